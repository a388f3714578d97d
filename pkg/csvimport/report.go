package csvimport

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// WriteText writes the report for a person: a summary line, then one
// line per problem and per repeated row.
func (rep *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("%s read", plural(rep.Rows, "row"))
	if rep.Blank > 0 {
		ew.printf(" (%s skipped)", plural(rep.Blank, "blank row"))
	}
	ew.printf(": %s", plural(rep.Events, "event"))
	if rep.Written {
		ew.printf(", %d written", rep.Accepted)
	} else {
		ew.printf(", %d stored now, %d stored before", rep.Accepted, rep.Duplicates)
	}
	ew.printf(", %s rejected", plural(rep.Rejected, "row"))
	if len(rep.Repeats) > 0 {
		ew.printf(", %s an earlier row", plural(len(rep.Repeats), "row repeats", "rows repeat"))
	}
	if rep.Unsent > 0 {
		ew.printf(", %s not sent", plural(rep.Unsent, "event"))
	}
	ew.printf("\n")
	for _, p := range rep.Problems {
		ew.printf("row %d", p.Row)
		if p.Column != "" {
			ew.printf(", column %q", p.Column)
		}
		if p.Field != "" {
			ew.printf(" (%s)", p.Field)
		}
		ew.printf(": %s: %s", p.Rule, p.Message)
		if p.Stage == StageGateway {
			ew.printf(" [gateway]")
		}
		ew.printf("\n")
	}
	for _, r := range rep.Repeats {
		ew.printf("row %d: same content as row %d, counted once\n", r.Row, r.SameAs)
	}
	return ew.err
}

// WriteCSV writes the problems as CSV (row, column, field, stage, rule,
// message) with delim, behind a UTF-8 byte-order mark so that Excel reads
// æøå right.
func (rep *Report) WriteCSV(w io.Writer, delim rune) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.Comma = delim
	_ = cw.Write([]string{"row", "column", "field", "stage", "rule", "message"})
	for _, p := range rep.Problems {
		_ = cw.Write([]string{strconv.Itoa(p.Row), p.Column, p.Field, string(p.Stage), p.Rule, p.Message})
	}
	for _, r := range rep.Repeats {
		_ = cw.Write([]string{strconv.Itoa(r.Row), "", "", "", "repeat", fmt.Sprintf("same content as row %d, counted once", r.SameAs)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// plural writes "1 row" or "2 rows"; forms gives the singular and, when
// it is not just singular+"s", the plural.
func plural(n int, forms ...string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, forms[0])
	}
	if len(forms) > 1 {
		return fmt.Sprintf("%d %s", n, forms[1])
	}
	return fmt.Sprintf("%d %ss", n, forms[0])
}
