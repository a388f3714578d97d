package event

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Privacy rules. No national id and no e-mail address may enter the bus:
// persons travel as pseudonyms (pkg/pseudonym). The checks look for the
// shapes of Danish CPR numbers and Swedish personnummer /
// samordningsnummer in every string of an event, and for e-mail
// addresses. A digit run counts only when no letter or digit touches it,
// so hex pseudonyms and ids that merely contain ten digits do not trip it.
const (
	RulePrivacyCPR          = "privacy.cpr"
	RulePrivacyPersonnummer = "privacy.personnummer"
	RulePrivacyEmail        = "privacy.email"
)

var privacyMessages = map[string]string{
	RulePrivacyCPR:          "holds something shaped like a Danish CPR number; national ids must never be sent: identify the person by their pseudonym (lower-case hex HMAC-SHA256 of the national id under the source's secret key) and remove the number from any text",
	RulePrivacyPersonnummer: "holds something shaped like a Swedish personnummer or samordningsnummer; national ids must never be sent: identify the person by their pseudonym (lower-case hex HMAC-SHA256 of the national id under the source's secret key) and remove the number from any text",
	RulePrivacyEmail:        "holds an e-mail address; e-mail addresses must not be sent: identify a person by their pseudonym and remove addresses from any text",
}

// nationalID reports which national-id rule s breaks, if any.
func nationalID(s string) (rule string, found bool) {
	if len(s) < 10 {
		return "", false // every shape has at least 10 digits
	}
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if n := i - start; n != 6 && n != 8 && n != 10 && n != 12 {
			continue // no shape below starts with a run of this length
		}
		if wordBefore(s, start) {
			continue
		}
		run := s[start:i]
		// 10 or 12 digits on their own.
		if !wordAfter(s, i) {
			if r, ok := classifyDigits(run, 0); ok {
				return r, true
			}
		}
		// 6 or 8 digits, a separator, 4 digits.
		if (len(run) == 6 || len(run) == 8) && i < len(s) && (s[i] == '-' || s[i] == '+') {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j-(i+1) == 4 && !wordAfter(s, j) {
				if r, ok := classifyDigits(run+s[i+1:j], s[i]); ok {
					return r, true
				}
			}
		}
	}
	return "", false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func wordBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func wordAfter(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// classifyDigits decides whether 10 or 12 digits (sep: the separator
// that stood between date and serial, or 0) form a CPR number or a
// personnummer.
func classifyDigits(d string, sep byte) (string, bool) {
	switch len(d) {
	case 10:
		if isPersonnummer(d) {
			return RulePrivacyPersonnummer, true
		}
		if sep != '+' && isCPR(d) {
			return RulePrivacyCPR, true
		}
	case 12:
		if isPersonnummer(d[2:]) && validDate(atoi(d[:4]), atoi(d[4:6]), personnummerDay(atoi(d[6:8]))) {
			return RulePrivacyPersonnummer, true
		}
	}
	return "", false
}

// isCPR: DDMMYYSSSS with a real date; the seventh digit and the year
// give the century (CPR office rules), which matters for 29 February.
// There is no checksum: modulus 11 was dropped in 2007.
func isCPR(d string) bool {
	day, month, yy, s7 := atoi(d[0:2]), atoi(d[2:4]), atoi(d[4:6]), atoi(d[6:7])
	var year int
	switch {
	case s7 <= 3:
		year = 1900 + yy
	case s7 == 4 || s7 == 9:
		if yy <= 36 {
			year = 2000 + yy
		} else {
			year = 1900 + yy
		}
	default: // 5-8
		if yy <= 57 {
			year = 2000 + yy
		} else {
			year = 1800 + yy
		}
	}
	return validDate(year, month, day)
}

// isPersonnummer: YYMMDDNNNC with a real date (day + 60 for a
// samordningsnummer) and a Luhn check digit. Without the century the
// leap-day check assumes a leap year can be meant.
func isPersonnummer(d string) bool {
	month, day := atoi(d[2:4]), personnummerDay(atoi(d[4:6]))
	if !validDate(2000, month, day) { // 2000 is a leap year: 29 Feb passes
		return false
	}
	return luhn(d)
}

func personnummerDay(day int) int {
	if day > 60 {
		return day - 60
	}
	return day
}

func validDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	return day <= time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func luhn(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[i] - '0')
		if i%2 == 0 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

var emailRE = regexp.MustCompile(`[\p{L}\p{N}.!#$%&'*+/=?^_{|}~-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}`)

func hasEmail(s string) bool {
	return strings.IndexByte(s, '@') >= 0 && emailRE.MatchString(s)
}

// privacyRule is the first privacy rule s breaks, if any.
func privacyRule(s string) (string, bool) {
	if r, ok := nationalID(s); ok {
		return r, true
	}
	if hasEmail(s) {
		return RulePrivacyEmail, true
	}
	return "", false
}

// safeToEcho reports whether a name (an attribute or data member name,
// never a value) may appear in a problem's path.
func safeToEcho(s string) bool {
	if s == "" || len(s) > 64 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	_, bad := privacyRule(s)
	return !bad
}

// pathSegment renders one member name of a JSON path: .name for plain
// names, ['name'] for others, and ['(hidden)'] for a name that is not
// safe to echo.
func pathSegment(name string) string {
	switch {
	case plainName(name):
		return "." + name
	case safeToEcho(name):
		return "['" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "']"
	default:
		return "['(hidden)']"
	}
}

// plainName: a name written .name in a path.
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return name != ""
}

// memberPath is path + pathSegment(name), made in one allocation for a
// plain name.
func memberPath(path, name string) string {
	if plainName(name) {
		return path + "." + name
	}
	return path + pathSegment(name)
}
