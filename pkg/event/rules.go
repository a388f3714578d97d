package event

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/sundflow/sundflow/pkg/refcode"
)

// Rule names of the checks beyond the schema: reference codes and rules
// that relate two fields.
const (
	RuleCountry         = "refcode.country"
	RuleDKMunicipality  = "refcode.dk-municipality"
	RuleSEMunicipality  = "refcode.se-municipality"
	RuleISCO            = "refcode.isco"
	RuleSSYK            = "refcode.ssyk"
	RuleDISCO           = "refcode.disco"
	RuleCVR             = "refcode.cvr"
	RuleOrgnr           = "refcode.se-orgnr"
	RuleDateOrder       = "dates.order"
	RuleFilled          = "vacancy.filled"
	RulePositionsFilled = "vacancy.positions-filled"
	RuleCrossBorder     = "placement.cross-border"
	RuleRetractSource   = "retraction.source"
	RuleRetractSelf     = "retraction.self"
)

// ruleCheck holds the state of the checks that run after the schema: the
// paths that already have a problem (one finding per field is enough),
// and what the checks found.
type ruleCheck struct {
	bad      map[string]bool
	problems []Problem
}

func (c *ruleCheck) add(path, rule, msg string) {
	c.problems = append(c.problems, Problem{Path: path, Rule: rule, Message: msg})
	c.markBad(path)
}

func (c *ruleCheck) markBad(path string) {
	if c.bad == nil {
		c.bad = map[string]bool{}
	}
	c.bad[path] = true
}

// str returns the string member name of obj, the object at base, if
// the schema found nothing wrong there.
func (c *ruleCheck) str(obj *node, base, name string) (string, bool) {
	v := obj.member(name)
	if v == nil || v.kind != nodeString || c.isBad(base, name) {
		return "", false
	}
	return v.str, true
}

// isBad reports whether the member name of the object at base already
// has a problem. Nearly always nothing has, and then no path is built.
func (c *ruleCheck) isBad(base, name string) bool {
	return len(c.bad) > 0 && c.bad[memberPath(base, name)]
}

func (c *ruleCheck) date(obj *node, base, name string) (time.Time, bool) {
	s, ok := c.str(obj, base, name)
	if !ok {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil
}

func (c *ruleCheck) integer(obj *node, base, name string) (int64, bool) {
	v := obj.member(name)
	if v == nil || v.kind != nodeNumber || c.isBad(base, name) {
		return 0, false
	}
	i, err := json.Number(v.str).Int64()
	return i, err == nil
}

// codeRules walks the data and checks every reference code by the shape
// the schemas give it: any object with a country, municipalities of DK
// and SE, employers' registration numbers, occupations.
func (c *ruleCheck) codeRules(v *node, path, key string) {
	switch v.kind {
	case nodeArray:
		for i := range v.kids {
			if item := &v.kids[i]; item.isContainer() { // codes sit in objects only
				c.codeRules(item, path+"["+itoa(i)+"]", key)
			}
		}
	case nodeObject:
		country, hasCountry := c.str(v, path, "country")
		if hasCountry && !refcode.IsCountry(country) {
			c.add(path+".country", RuleCountry, "is not an ISO 3166-1 alpha-2 country code: two upper-case letters, e.g. DK, SE, NO, DE")
			hasCountry = false
		}
		if mun, ok := c.str(v, path, "municipality"); ok && hasCountry {
			c.municipality(path, country, mun)
		}
		if key == "employer" && hasCountry {
			if reg, ok := c.str(v, path, "registration_number"); ok {
				c.registration(path, country, reg)
			}
		}
		if key == "occupation" {
			c.occupation(v, path)
		}
		for i := range v.kids {
			if m := &v.kids[i]; m.isContainer() {
				c.codeRules(m, memberPath(path, m.name), m.name)
			}
		}
	}
}

// municipality checks the municipality of the place at base; its path
// is made only for a problem.
func (c *ruleCheck) municipality(base, country, code string) {
	switch country {
	case refcode.Denmark:
		if _, ok := refcode.DKMunicipality(code); ok {
			return
		}
		if n := refcode.NormalizeDKMunicipality(code); n != code {
			if _, ok := refcode.DKMunicipality(n); ok {
				c.add(base+".municipality", RuleDKMunicipality, "is a Danish kommunekode in DAWA's 4-digit form; write it with 3 digits, without the leading zero (e.g. 217 for Helsingør)")
				return
			}
		}
		c.add(base+".municipality", RuleDKMunicipality, "is not a Danish kommunekode (DAWA list of 98 municipalities, 3 digits, e.g. 101 København, 217 Helsingør)")
	case refcode.Sweden:
		if _, ok := refcode.SEMunicipality(code); !ok {
			c.add(base+".municipality", RuleSEMunicipality, "is not a Swedish kommunkod (list of 290 municipalities, 4 digits with a leading zero where due, e.g. 0180 Stockholm, 1280 Malmö, 1283 Helsingborg)")
		}
	}
}

// registration checks the registration number of the employer at base.
func (c *ruleCheck) registration(base, country, reg string) {
	switch country {
	case refcode.Denmark:
		if len(reg) != 8 || !allDigits(reg) {
			c.add(base+".registration_number", RuleCVR, "a Danish employer's registration number is its CVR number: exactly 8 digits, no spaces or prefix")
		}
	case refcode.Sweden:
		d := reg
		if len(d) == 11 && d[6] == '-' {
			d = d[:6] + d[7:]
		}
		if len(d) != 10 || !allDigits(d) {
			c.add(base+".registration_number", RuleOrgnr, "a Swedish employer's registration number is its organisationsnummer: 10 digits, optionally with a hyphen after the sixth (NNNNNN-NNNN)")
		}
	}
}

func (c *ruleCheck) occupation(x *node, path string) {
	isco, iscoOK := c.str(x, path, "isco")
	if iscoOK {
		if _, ok := refcode.ISCO(isco); !ok {
			c.add(path+".isco", RuleISCO, "is not an ISCO-08 code (ILO ISCO-08 structure: major group 1 digit, sub-major 2, minor 3, unit group 4, e.g. 2221 nursing professionals)")
			iscoOK = false
		}
	}
	if ssyk, ok := c.str(x, path, "ssyk"); ok {
		switch {
		case !knownSSYK(ssyk):
			c.add(path+".ssyk", RuleSSYK, "is not an SSYK 2012 unit group (the 400 4-digit codes of Statistics Sweden's list, as JobTech's occupation_group.legacy_ams_taxonomy_id gives them)")
		case iscoOK && ssyk[0] != isco[0]:
			c.add(path+".ssyk", RuleSSYK, "the first digit of an SSYK 2012 code is the ISCO-08 major group, so it must equal the first digit of isco")
		}
	}
	if disco, ok := c.str(x, path, "disco"); ok && len(disco) >= 4 {
		switch {
		case !isUnitGroup(disco[:4]):
			c.add(path+".disco", RuleDISCO, "the first four digits of a DISCO-08 code must be an ISCO-08 unit group")
		case iscoOK && len(isco) == 4 && disco[:4] != isco:
			c.add(path+".disco", RuleDISCO, "the first four digits of a DISCO-08 code are the ISCO-08 unit group, so they must equal isco")
		case iscoOK && !strings.HasPrefix(disco, isco):
			c.add(path+".disco", RuleDISCO, "a DISCO-08 code starts with the ISCO-08 group it belongs to, so it must start with isco")
		}
	}
}

func knownSSYK(code string) bool { _, ok := refcode.SSYK(code); return ok }

func isUnitGroup(code string) bool {
	g, ok := refcode.ISCO(code)
	return ok && g.Level == refcode.ISCOUnit
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func itoa(i int) string { return strconv.Itoa(i) }

// crossRules checks the rules that relate fields of one type's data, and
// for retractions the envelope.
func (c *ruleCheck) crossRules(t Type, data *node, source, id string) {
	const base = "$.data"
	notBefore := func(later, earlier, what string) {
		l, ok1 := c.date(data, base, later)
		e, ok2 := c.date(data, base, earlier)
		if ok1 && ok2 && l.Before(e) {
			c.add(base+"."+later, RuleDateOrder, what)
		}
	}
	switch t {
	case VacancyPublished:
		notBefore("deadline", "published", "the application deadline must not be before the publication date")
	case VacancyClosed:
		notBefore("closed", "published", "the closing date must not be before the publication date")
		reason, _ := c.str(data, base, "reason")
		filled, hasFilled := c.integer(data, base, "positions_filled")
		if reason == "filled" && hasFilled && filled < 1 {
			c.add(base+".positions_filled", RuleFilled, "a vacancy closed as filled must have positions_filled of at least 1; use reason withdrawn or expired when nobody was hired")
		}
		if positions, ok := c.integer(data, base, "positions"); ok && hasFilled && filled > positions {
			c.add(base+".positions_filled", RulePositionsFilled, "positions_filled must not exceed positions")
		}
	case FairScheduled:
		notBefore("end_date", "date", "the last day of the fair (end_date) must not be before its first day (date)")
	case PlacementStarted:
		work := data.member("workplace")
		res := data.member("person").member("residence")
		wc, ok1 := c.str(work, base+".workplace", "country")
		rc, ok2 := c.str(res, base+".person.residence", "country")
		if ok1 && ok2 && wc == rc {
			c.add(base+".workplace.country", RuleCrossBorder, "a placement in sundflow is cross-border: the work country must differ from the person's country of residence (person.residence.country)")
		}
		notBefore("planned_end", "start", "the planned end must not be before the start")
	case PlacementEnded:
		notBefore("end", "start", "the end date must not be before the start date")
	case EventRetracted:
		rs, ok := c.str(data, base, "retracted_source")
		if ok && source != "" && rs != source {
			c.add(base+".retracted_source", RuleRetractSource, "a source may retract only its own events: retracted_source must equal this event's source")
		}
		if rid, ok := c.str(data, base, "retracted_id"); ok && rs == source && rid == id {
			c.add(base+".retracted_id", RuleRetractSelf, "a retraction cannot retract itself: retracted_id names this event's own id")
		}
	}
}
