package csvimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// decoderFor returns the decoder for a mapping's encoding; nil for UTF-8.
func decoderFor(name string) (*encoding.Decoder, error) {
	switch strings.ToLower(strings.ReplaceAll(name, "_", "-")) {
	case "", "utf-8", "utf8":
		return nil, nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder(), nil
	case "iso-8859-1", "latin-1", "latin1":
		return charmap.ISO8859_1.NewDecoder(), nil
	case "iso-8859-15", "latin-9":
		return charmap.ISO8859_15.NewDecoder(), nil
	}
	return nil, mappingErr("encoding %q: use utf-8, windows-1252, iso-8859-1 or iso-8859-15", name)
}

// table reads a CSV list row by row.
type table struct {
	r      *csv.Reader
	header []string // as written in the file (NFC, trimmed)
	delim  rune
	row    int // spreadsheet row number of the last row read; the header is 1
	// extraLines counts line breaks inside quoted cells so far.
	extraLines int
}

// openTable reads the header: it skips a UTF-8 byte-order mark and an
// Excel "sep=;" line, and picks the delimiter when the mapping says auto.
func openTable(src io.Reader, m *Mapping) (*table, error) {
	dec, err := decoderFor(m.Encoding)
	if err != nil {
		return nil, err
	}
	if dec != nil {
		src = dec.Reader(src)
	}
	br := bufio.NewReaderSize(src, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	delim := rune(0)
	switch m.Delimiter {
	case ";":
		delim = ';'
	case ",":
		delim = ','
	case "|":
		delim = '|'
	case "tab", "\t":
		delim = '\t'
	}
	first, _ := br.Peek(64 << 10)
	line, _, _ := bytes.Cut(first, []byte("\n"))
	if rest, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r"), []byte("sep=")); ok && len(rest) == 1 {
		if delim == 0 {
			delim = rune(rest[0])
		}
		_, _ = br.Discard(len(line) + 1)
		first, _ = br.Peek(64 << 10)
	}
	if dec == nil && !utf8.Valid(trimIncompleteRune(first)) {
		return nil, fmt.Errorf("%w: the file is not UTF-8; save it as \"CSV UTF-8\" or set encoding: windows-1252 in the mapping", ErrFile)
	}
	if delim == 0 {
		delim = sniffDelimiter(first)
	}
	r := csv.NewReader(br)
	r.Comma = delim
	r.FieldsPerRecord = -1 // short rows: the missing cells are empty
	r.LazyQuotes = true    // spreadsheets write 12" screens and the like
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is empty; the first row must name the columns", ErrFile)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read header: %w", ErrFile, err)
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(norm.NFC.String(h))
	}
	return &table{r: r, header: header, delim: delim, row: 1}, nil
}

// next returns the next row's cells (NFC), or io.EOF. Rows whose cells
// are all empty come back as nil cells with no error so that row numbers
// stay right.
func (t *table) next() ([]string, error) {
	rec, err := t.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%w: row %d: %w", ErrFile, pe.StartLine-t.extraLines, pe.Err)
		}
		return nil, fmt.Errorf("%w: after row %d: %w", ErrFile, t.row, err)
	}
	// csv.Reader counts lines, not rows: a quoted cell with line breaks
	// is one spreadsheet row, and csv skips blank lines, which
	// spreadsheets do count. Take the row from the line the record began on
	// minus the line breaks inside earlier records.
	t.row = t.rowOf(rec)
	blank := true
	for i, c := range rec {
		if !utf8.ValidString(c) {
			return rec, errInvalidUTF8
		}
		rec[i] = norm.NFC.String(c)
		if strings.TrimSpace(rec[i]) != "" {
			blank = false
		}
	}
	if blank {
		return nil, nil
	}
	return rec, nil
}

var errInvalidUTF8 = errors.New("invalid UTF-8")

// rowOf is the spreadsheet row number of rec. Spreadsheets save one row
// per line except for line breaks inside quoted cells; the row number is
// therefore the start line minus the extra lines of earlier rows.
func (t *table) rowOf(rec []string) int {
	line, _ := t.r.FieldPos(0)
	n := line - t.extraLines
	for _, c := range rec {
		t.extraLines += strings.Count(c, "\n")
	}
	return n
}

// sniffDelimiter picks the most frequent of ; , tab and | outside quotes
// in the first line; comma when none occurs.
func sniffDelimiter(b []byte) rune {
	counts := map[rune]int{}
	inQuotes := false
	for _, c := range string(b) {
		switch {
		case c == '"':
			inQuotes = !inQuotes
		case c == '\n' && !inQuotes:
			return best(counts)
		case !inQuotes && (c == ';' || c == ',' || c == '\t' || c == '|'):
			counts[c]++
		}
	}
	return best(counts)
}

func best(counts map[rune]int) rune {
	delim, n := ',', 0
	for _, c := range []rune{';', ',', '\t', '|'} { // ; wins a tie: Danish and Swedish Excel write it
		if counts[c] > n {
			delim, n = c, counts[c]
		}
	}
	return delim
}

// trimIncompleteRune drops a rune cut off at the end of a peeked buffer.
func trimIncompleteRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}
