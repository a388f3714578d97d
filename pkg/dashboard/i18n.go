package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/sundflow/sundflow/pkg/refcode"
	"github.com/sundflow/sundflow/pkg/target"
)

// Lang is a language the dashboard speaks: en, da or sv.
type Lang string

// The languages, English first (the fallback).
var Langs = []Lang{"en", "da", "sv"}

var langMatcher = language.NewMatcher([]language.Tag{language.English, language.Danish, language.Swedish})

// LangCookie remembers the language a user picked with the switch.
const LangCookie = "sundflow_lang"

// pickLang chooses the language of a request: ?lang=, then the cookie the
// switch sets, then Accept-Language, then English.
func pickLang(r *http.Request) Lang {
	if l, ok := parseLang(r.URL.Query().Get("lang")); ok {
		return l
	}
	if c, err := r.Cookie(LangCookie); err == nil {
		if l, ok := parseLang(c.Value); ok {
			return l
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		_, i := language.MatchStrings(langMatcher, al)
		return Langs[i]
	}
	return "en"
}

func parseLang(s string) (Lang, bool) {
	for _, l := range Langs {
		if string(l) == s {
			return l, true
		}
	}
	return "", false
}

// loc formats text, numbers and dates for one language.
type loc struct {
	Lang Lang
	p    *message.Printer
	tag  language.Tag
}

func newLoc(l Lang) loc {
	tag := language.MustParse(string(l))
	return loc{Lang: l, p: message.NewPrinter(tag), tag: tag}
}

// T returns the message key in the language, formatted with args.
func (l loc) T(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[l.idx()]
	if s == "" {
		s = m[0]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

func (l loc) idx() int {
	switch l.Lang {
	case "da":
		return 1
	case "sv":
		return 2
	}
	return 0
}

// Num formats a number: whole numbers without decimals, others with one.
func (l loc) Num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	if f == math.Trunc(f) {
		return l.p.Sprintf("%d", int64(f))
	}
	return l.p.Sprint(number.Decimal(f, number.MaxFractionDigits(1), number.MinFractionDigits(1)))
}

// Pct formats a percentage given as 0-100+.
func (l loc) Pct(f float64) string {
	return l.p.Sprint(number.Percent(f/100, number.MaxFractionDigits(0)))
}

var monthNames = [3][12]string{
	{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"},
	{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
}

var monthShort = [3][12]string{
	{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	{"jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."},
	{"jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "dec."},
}

// Date formats a day: 31 Dec 2020, 31. dec. 2020, 31 dec. 2020.
func (l loc) Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	m := monthShort[l.idx()][t.Month()-1]
	if l.Lang == "da" {
		return fmt.Sprintf("%d. %s %d", t.Day(), m, t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), m, t.Year())
}

// Month formats a month: March 2020, marts 2020, mars 2020.
func (l loc) Month(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return fmt.Sprintf("%s %d", monthNames[l.idx()][t.Month()-1], t.Year())
}

// DateTime formats an instant in UTC, for freshness.
func (l loc) DateTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.UTC()
	return fmt.Sprintf("%s %02d:%02d UTC", l.Date(t), t.Hour(), t.Minute())
}

// Duration says how long ago, roughly: 5 min, 3 h, 2 days.
func (l loc) Duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return l.T("dur.seconds", l.Num(math.Max(0, math.Round(d.Seconds()))))
	case d < time.Hour:
		return l.T("dur.minutes", l.Num(math.Round(d.Minutes())))
	case d < 48*time.Hour:
		return l.T("dur.hours", l.Num(math.Round(d.Hours())))
	}
	return l.T("dur.days", l.Num(math.Round(d.Hours()/24)))
}

// Unit translates a unit of the configuration (people, fairs...).
func (l loc) Unit(u string) string {
	if m, ok := messages["unit."+u]; ok {
		return m[l.idx()]
	}
	return u
}

// Status names a status.
func (l loc) Status(s target.Status) string { return l.T("status." + string(s)) }

// Country names a country in the language (Sweden, Sverige).
func (l loc) Country(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.Regions(l.tag).Name(r); n != "" {
		return n
	}
	return code
}

// Label names a breakdown group of dimension by.
func (l loc) Label(by, key string) string {
	switch by {
	case target.BySector:
		if fa, ok := refcode.LookupFocusArea(key); ok {
			return [3]string{fa.LabelEN, fa.LabelDA, fa.LabelSV}[l.idx()]
		}
	case target.ByMunicipality:
		country, code, _ := strings.Cut(key, "-")
		if code == "" {
			return l.Country(country) + ", " + l.T("unknown")
		}
		var m refcode.Municipality
		var ok bool
		switch country {
		case refcode.Denmark:
			m, ok = refcode.DKMunicipality(code)
		case refcode.Sweden:
			m, ok = refcode.SEMunicipality(code)
		}
		if ok {
			return m.Name + " (" + country + ")"
		}
		return code + " (" + country + ")"
	case target.ByDirection:
		from, to, _ := strings.Cut(key, "->")
		return l.Country(from) + " → " + l.Country(to)
	case target.ByCountry, target.ByResidence:
		return l.Country(key)
	case target.ByMonth:
		if t, err := time.Parse("2006-01", key); err == nil {
			return l.Month(t)
		}
	case target.ByKind, target.ByStatus:
		if m, ok := messages["value."+key]; ok {
			return m[l.idx()]
		}
	case target.ByOccupation:
		return l.ISCOMajor(key)
	}
	return key
}

// ISCOMajor names an ISCO-08 major group (one digit).
func (l loc) ISCOMajor(code string) string {
	if m, ok := messages["isco."+code]; ok {
		return code + " " + m[l.idx()]
	}
	if code == "" {
		return l.T("unknown")
	}
	return code
}

// messages are the dashboard's texts: English, Danish, Swedish.
var messages = map[string][3]string{
	"app.title":                  {"sundflow: project targets", "sundflow: projektmål", "sundflow: projektmål"},
	"nav.projects":               {"Projects", "Projekter", "Projekt"},
	"nav.vacancies":              {"Vacancies", "Ledige stillinger", "Lediga jobb"},
	"nav.balance":                {"Øresund balance", "Øresundsbalancen", "Öresundsbalansen"},
	"nav.print":                  {"Print report", "Udskriv rapport", "Skriv ut rapport"},
	"nav.language":               {"Language", "Sprog", "Språk"},
	"csv":                        {"CSV", "CSV", "CSV"},
	"csv.title":                  {"Download as CSV", "Hent som CSV", "Ladda ner som CSV"},
	"unknown":                    {"unknown", "ukendt", "okänd"},
	"none":                       {"none", "ingen", "inga"},
	"total":                      {"Total", "I alt", "Totalt"},
	"asof":                       {"Figures as of %s", "Tal pr. %s", "Siffror per %s"},
	"fresh.newest":               {"Newest event: %s (projected %s ago).", "Nyeste hændelse: %s (indlæst for %s siden).", "Senaste händelse: %s (inläst för %s sedan)."},
	"fresh.none":                 {"No events have been projected yet.", "Der er endnu ikke indlæst nogen hændelser.", "Inga händelser har lästs in ännu."},
	"fresh.stale":                {"Warning: nothing new for %s. The projector may be lagging or stopped; the figures may be out of date.", "Advarsel: intet nyt i %s. Projektoren halter måske eller er stoppet; tallene kan være forældede.", "Varning: inget nytt på %s. Projektorn kanske släpar efter eller har stannat; siffrorna kan vara inaktuella."},
	"fresh.lag":                  {"Warning: the projector is %s events behind.", "Advarsel: projektoren er %s hændelser bagud.", "Varning: projektorn ligger %s händelser efter."},
	"fresh.error":                {"Warning: the figures could not be read from ClickHouse (%s). Showing the last figures read, from %s.", "Advarsel: tallene kunne ikke læses fra ClickHouse (%s). Viser de senest læste tal fra %s.", "Varning: siffrorna kunde inte läsas från ClickHouse (%s). Visar de senast lästa siffrorna från %s."},
	"fresh.computed":             {"Figures computed %s.", "Tal beregnet %s.", "Siffror beräknade %s."},
	"dur.seconds":                {"%s s", "%s sek.", "%s s"},
	"dur.minutes":                {"%s min", "%s min.", "%s min"},
	"dur.hours":                  {"%s h", "%s timer", "%s tim"},
	"dur.days":                   {"%s days", "%s dage", "%s dagar"},
	"overview.title":             {"All projects at a glance", "Alle projekter på et øjeblik", "Alla projekt i överblick"},
	"overview.intro":             {"Each target with its value today, the plan, and where the recent pace leads.", "Hvert mål med dagens værdi, planen, og hvor det seneste tempo fører hen.", "Varje mål med dagens värde, planen och vart den senaste takten leder."},
	"project.period":             {"Period", "Periode", "Period"},
	"project.partners":           {"Partners", "Partnere", "Partner"},
	"project.lead":               {"lead partner", "leadpartner", "huvudpartner"},
	"project.programme":          {"Programme", "Program", "Program"},
	"project.open":               {"Open project", "Åbn projekt", "Öppna projekt"},
	"project.indicators":         {"Targets", "Mål", "Mål"},
	"project.unmeasured":         {"Targets sundflow cannot measure", "Mål som sundflow ikke kan måle", "Mål som sundflow inte kan mäta"},
	"project.sources":            {"Sources", "Kilder", "Källor"},
	"project.notfound":           {"No project %q.", "Intet projekt %q.", "Inget projekt %q."},
	"col.indicator":              {"Target", "Mål", "Mål"},
	"col.code":                   {"Code", "Kode", "Kod"},
	"col.value":                  {"Value", "Værdi", "Värde"},
	"col.target":                 {"Target value", "Målværdi", "Målvärde"},
	"col.percent":                {"Reached", "Nået", "Uppnått"},
	"col.expected":               {"Plan today", "Plan i dag", "Plan i dag"},
	"col.status":                 {"Status", "Status", "Status"},
	"col.forecast":               {"Forecast at end", "Prognose ved slut", "Prognos vid slut"},
	"col.outlook":                {"Outlook", "Udsigt", "Utsikt"},
	"col.reach":                  {"Target reached", "Mål nås", "Mål nås"},
	"col.unit":                   {"Unit", "Enhed", "Enhet"},
	"col.source":                 {"Source", "Kilde", "Källa"},
	"col.why":                    {"Why", "Hvorfor", "Varför"},
	"col.count":                  {"Count", "Antal", "Antal"},
	"col.group":                  {"Group", "Gruppe", "Grupp"},
	"card.of":                    {"of %s %s", "af %s %s", "av %s %s"},
	"card.expected":              {"Plan by today", "Plan til i dag", "Plan till i dag"},
	"card.pace":                  {"Pace, last %s days", "Tempo, seneste %s dage", "Takt, senaste %s dagarna"},
	"card.permonth":              {"%s a month", "%s om måneden", "%s per månad"},
	"card.needed":                {"Needed from now", "Nødvendigt herfra", "Behövs härifrån"},
	"card.forecast":              {"Forecast at end", "Prognose ved slut", "Prognos vid slut"},
	"card.reach":                 {"At this pace, target reached", "I dette tempo nås målet", "I denna takt nås målet"},
	"card.reached":               {"Target reached on", "Målet blev nået", "Målet nåddes"},
	"card.never":                 {"not at this pace", "ikke i dette tempo", "inte i denna takt"},
	"card.source":                {"Source of the target", "Kilde til målet", "Källa till målet"},
	"card.alternative":           {"Other published figure: %s (%s).", "Andet offentliggjort tal: %s (%s).", "Annan publicerad siffra: %s (%s)."},
	"card.reported":              {"Reported by the project on %s: %s.", "Rapporteret af projektet %s: %s.", "Rapporterat av projektet %s: %s."},
	"card.milestone":             {"Milestone %s: %s", "Delmål %s: %s", "Delmål %s: %s"},
	"card.each":                  {"At least %s in every %s, every year", "Mindst %s i hvert %s, hvert år", "Minst %s inom varje %s, varje år"},
	"card.each.period":           {"At least %s in every %s over the period", "Mindst %s i hvert %s i perioden", "Minst %s inom varje %s under perioden"},
	"card.chart":                 {"Burn-up: value against the plan", "Fremdrift: værdi mod planen", "Utveckling: värde mot planen"},
	"chart.actual":               {"Measured", "Målt", "Uppmätt"},
	"chart.plan":                 {"Plan", "Plan", "Plan"},
	"chart.forecast":             {"Forecast", "Prognose", "Prognos"},
	"chart.target":               {"Target", "Mål", "Mål"},
	"chart.reported":             {"Reported by project", "Rapporteret af projektet", "Rapporterat av projektet"},
	"sent.reached":               {"Target reached on %[1]s: %[2]s of %[3]s %[4]s.", "Målet blev nået %[1]s: %[2]s af %[3]s %[4]s.", "Målet nåddes %[1]s: %[2]s av %[3]s %[4]s."},
	"sent.will":                  {"On the current pace, the target of %[1]s %[2]s will be reached around %[3]s, before the end date %[4]s.", "Med det nuværende tempo nås målet på %[1]s %[2]s omkring %[3]s, før slutdatoen %[4]s.", "I nuvarande takt nås målet på %[1]s %[2]s omkring %[3]s, före slutdatumet %[4]s."},
	"sent.late":                  {"On the current pace, the target of %[1]s %[2]s will be reached only around %[3]s, after the end date %[4]s; by the end date about %[5]s.", "Med det nuværende tempo nås målet på %[1]s %[2]s først omkring %[3]s, efter slutdatoen %[4]s; ved slutdatoen ca. %[5]s.", "I nuvarande takt nås målet på %[1]s %[2]s först omkring %[3]s, efter slutdatumet %[4]s; vid slutdatumet cirka %[5]s."},
	"sent.stalled":               {"%[5]s done and the plan asks for %[6]s by today, but nothing was added in the last %[1]s days: without new ones the target of %[2]s %[3]s will not be reached by the end date %[4]s.", "%[5]s gennemført, og planen forventer %[6]s i dag, men intet er kommet til i de seneste %[1]s dage: uden nye nås målet på %[2]s %[3]s ikke inden slutdatoen %[4]s.", "%[5]s genomförda och planen förväntar %[6]s i dag, men inget har tillkommit de senaste %[1]s dagarna: utan nya nås målet på %[2]s %[3]s inte före slutdatumet %[4]s."},
	"sent.early":                 {"Too early for a forecast: the period began on %[1]s. The plan asks for %[2]s by today.", "For tidligt til en prognose: perioden begyndte %[1]s. Planen forventer %[2]s i dag.", "För tidigt för en prognos: perioden började %[1]s. Planen förväntar %[2]s i dag."},
	"sent.notstarted":            {"The period starts on %s.", "Perioden begynder %s.", "Perioden börjar %s."},
	"sent.missed":                {"The period ended on %[1]s with %[2]s of the target %[3]s %[4]s.", "Perioden sluttede %[1]s med %[2]s af målet på %[3]s %[4]s.", "Perioden slutade %[1]s med %[2]s av målet %[3]s %[4]s."},
	"sent.mean":                  {"On average %[1]s %[2]s; the ceiling is %[3]s.", "I gennemsnit %[1]s %[2]s; loftet er %[3]s.", "I genomsnitt %[1]s %[2]s; taket är %[3]s."},
	"sent.mean.none":             {"Nothing to average yet.", "Endnu intet at beregne et gennemsnit af.", "Inget att beräkna ett genomsnitt av ännu."},
	"status.achieved":            {"Achieved", "Nået", "Uppnått"},
	"status.ahead":               {"Ahead", "Foran", "Före plan"},
	"status.on_track":            {"On track", "På sporet", "Enligt plan"},
	"status.behind":              {"Behind", "Bagud", "Efter plan"},
	"status.at_risk":             {"At risk", "I fare", "I riskzonen"},
	"status.missed":              {"Missed", "Ikke nået", "Ej uppnått"},
	"status.not_started":         {"Not started", "Ikke startet", "Ej påbörjat"},
	"each.title":                 {"Every focus area, every year", "Hvert fokusområde, hvert år", "Varje fokusområde, varje år"},
	"each.met":                   {"met", "opfyldt", "uppfyllt"},
	"each.over":                  {"more than planned", "mere end planlagt", "fler än planerat"},
	"each.open":                  {"still open", "stadig åben", "fortfarande öppen"},
	"each.short":                 {"short", "mangler", "saknas"},
	"each.upcoming":              {"not yet", "endnu ikke", "inte ännu"},
	"each.period":                {"Whole period", "Hele perioden", "Hela perioden"},
	"breakdown.title":            {"Breakdowns", "Fordelinger", "Fördelningar"},
	"breakdown.of":               {"%s by %s", "%s fordelt på %s", "%s fördelat på %s"},
	"breakdown.note":             {"A unit in several groups (a person placed in two sectors) counts in each; by month and year each unit counts once, in the month it first counted.", "En enhed i flere grupper (en person ansat i to brancher) tælles i hver; pr. måned og år tælles hver enhed én gang, i den måned den først talte.", "En enhet i flera grupper (en person anställd i två branscher) räknas i varje; per månad och år räknas varje enhet en gång, i den månad den först räknades."},
	"funnel.title":               {"From fair to job", "Fra messe til job", "Från mässa till jobb"},
	"funnel.note":                {"People in this project, each once. The second and third steps count only people who also took the step before (matched by pseudonym, which needs the sources to share a pseudonym key).", "Personer i projektet, hver én gang. Andet og tredje trin tæller kun personer, der også tog trinnet før (matchet på pseudonym, hvilket kræver at kilderne deler pseudonymnøgle).", "Personer i projektet, varje en gång. Andra och tredje steget räknar bara personer som också tog steget före (matchade på pseudonym, vilket kräver att källorna delar pseudonymnyckel)."},
	"funnel.signed":              {"Signed up for a fair", "Tilmeldt en messe", "Anmälda till en mässa"},
	"funnel.completed":           {"… and completed a course", "… og gennemførte et kursus", "… och gick klart en kurs"},
	"funnel.placed":              {"… and started a job across the border", "… og startede i job på den anden side", "… och började jobba på andra sidan"},
	"funnel.all":                 {"All, without the steps before", "Alle, uden trinnene før", "Alla, utan stegen före"},
	"funnel.stage":               {"Step", "Trin", "Steg"},
	"funnel.people":              {"People", "Personer", "Personer"},
	"funnel.share":               {"Share of the first step", "Andel af første trin", "Andel av första steget"},
	"vac.title":                  {"Vacancies", "Ledige stillinger", "Lediga jobb"},
	"vac.open":                   {"Open positions by occupation and country", "Åbne stillinger efter erhverv og land", "Öppna tjänster efter yrke och land"},
	"vac.ttf":                    {"Time to fill, by month the vacancy closed", "Tid til besættelse, efter lukkemåned", "Tid till tillsättning, efter stängningsmånad"},
	"vac.ttf.sector":             {"Time to fill by focus area", "Tid til besættelse efter fokusområde", "Tid till tillsättning efter fokusområde"},
	"vac.days":                   {"Mean days to fill", "Gns. dage til besættelse", "Medeldagar till tillsättning"},
	"vac.filled":                 {"Vacancies filled", "Besatte stillinger", "Tillsatta jobb"},
	"vac.positions":              {"Open positions", "Åbne stillinger", "Öppna tjänster"},
	"vac.vacancies":              {"Open vacancies", "Åbne opslag", "Öppna annonser"},
	"vac.scope":                  {"All projects and sources", "Alle projekter og kilder", "Alla projekt och källor"},
	"vac.note":                   {"A vacancy is open from its publication until it is closed (filled, withdrawn or expired). Positions count persons sought.", "Et opslag er åbent fra offentliggørelse til det lukkes (besat, trukket tilbage eller udløbet). Stillinger tæller antal personer der søges.", "En annons är öppen från publicering tills den stängs (tillsatt, återkallad eller utgången). Tjänster räknar antal personer som söks."},
	"bal.title":                  {"Øresund balance", "Øresundsbalancen", "Öresundsbalansen"},
	"bal.intro":                  {"Open positions on each side of the Øresund against the people who crossed, by ISCO-08 major group, and against the people looking from the other side, by focus area.", "Åbne stillinger på hver side af Øresund over for de personer der krydsede, efter ISCO-08-hovedgruppe, og over for de personer der søger fra den anden side, efter fokusområde.", "Öppna tjänster på varje sida av Öresund mot de personer som korsade, efter ISCO-08-huvudgrupp, och mot de personer som söker från andra sidan, efter fokusområde."},
	"bal.isco":                   {"By occupation (ISCO-08 major group)", "Efter erhverv (ISCO-08-hovedgruppe)", "Efter yrke (ISCO-08-huvudgrupp)"},
	"bal.sector":                 {"By focus area: open positions against people looking from the other side", "Efter fokusområde: åbne stillinger mod personer der søger fra den anden side", "Efter fokusområde: öppna tjänster mot personer som söker från andra sidan"},
	"bal.open_dk":                {"Open positions in Denmark", "Åbne stillinger i Danmark", "Öppna tjänster i Danmark"},
	"bal.open_se":                {"Open positions in Sweden", "Åbne stillinger i Sverige", "Öppna tjänster i Sverige"},
	"bal.placed_se_dk":           {"Placed Sweden → Denmark, last 12 months", "Ansat Sverige → Danmark, seneste 12 mdr.", "Anställda Sverige → Danmark, senaste 12 mån."},
	"bal.placed_dk_se":           {"Placed Denmark → Sweden, last 12 months", "Ansat Danmark → Sverige, seneste 12 mdr.", "Anställda Danmark → Sverige, senaste 12 mån."},
	"bal.looking_se":             {"Looking from Sweden, last 12 months", "Søger fra Sverige, seneste 12 mdr.", "Söker från Sverige, senaste 12 mån."},
	"bal.looking_dk":             {"Looking from Denmark, last 12 months", "Søger fra Danmark, seneste 12 mdr.", "Söker från Danmark, senaste 12 mån."},
	"bal.note":                   {"The events do not say which occupation a job seeker looks for, so by occupation the balance sets demand on each side against those who crossed; by focus area, \"looking\" means people living on the other side who attended a fair or finished a course in the last 12 months.", "Hændelserne siger ikke hvilket erhverv en jobsøgende søger, så efter erhverv stilles efterspørgslen på hver side over for dem der krydsede; efter fokusområde betyder \"søger\" personer bosat på den anden side, der deltog i en messe eller afsluttede et kursus i de seneste 12 måneder.", "Händelserna säger inte vilket yrke en arbetssökande söker, så efter yrke ställs efterfrågan på varje sida mot dem som korsade; efter fokusområde betyder \"söker\" personer bosatta på andra sidan som deltog i en mässa eller gick klart en kurs de senaste 12 månaderna."},
	"dim.sector":                 {"focus area", "fokusområde", "fokusområde"},
	"dim.municipality":           {"municipality", "kommune", "kommun"},
	"dim.direction":              {"direction", "retning", "riktning"},
	"dim.month":                  {"month", "måned", "månad"},
	"dim.year":                   {"year", "år", "år"},
	"dim.country":                {"country", "land", "land"},
	"dim.residence":              {"country of residence", "bopælsland", "bosättningsland"},
	"dim.kind":                   {"kind", "type", "typ"},
	"dim.status":                 {"status", "status", "status"},
	"dim.occupation":             {"occupation (ISCO major group)", "erhverv (ISCO-hovedgruppe)", "yrke (ISCO-huvudgrupp)"},
	"unit.people":                {"people", "personer", "personer"},
	"unit.placements":            {"placements", "ansættelser", "placeringar"},
	"unit.fairs":                 {"fairs", "messer", "mässor"},
	"unit.course runs":           {"course runs", "kursusforløb", "kurstillfällen"},
	"unit.completions":           {"completions", "gennemførelser", "genomförda kurser"},
	"unit.sign-ups":              {"sign-ups", "tilmeldinger", "anmälningar"},
	"unit.participations":        {"participations", "deltagelser", "deltaganden"},
	"unit.vacancies":             {"vacancies", "stillinger", "jobb"},
	"unit.positions":             {"positions", "stillinger", "tjänster"},
	"unit.days":                  {"days", "dage", "dagar"},
	"unit.conferences":           {"conferences", "konferencer", "konferenser"},
	"value.ordinary_job":         {"ordinary job", "ordinært job", "vanligt jobb"},
	"value.wage_subsidy":         {"wage subsidy", "løntilskud", "lönebidrag"},
	"value.internship":           {"internship", "praktik", "praktik"},
	"value.apprenticeship":       {"apprenticeship", "lærlingeplads", "lärlingsplats"},
	"value.seasonal":             {"seasonal job", "sæsonjob", "säsongsjobb"},
	"value.job_fair":             {"job fair", "jobmesse", "jobbmässa"},
	"value.popup_fair":           {"pop-up fair", "pop-op-messe", "pop-up-mässa"},
	"value.speed_dating":         {"speed-dating", "speed-dating", "speed-dating"},
	"value.info_meeting":         {"info meeting", "informationsmøde", "informationsmöte"},
	"value.self_employed":        {"self-employed", "selvstændig", "egen företagare"},
	"value.other_placement":      {"other placement", "anden placering", "annan placering"},
	"value.education":            {"education", "uddannelse", "utbildning"},
	"value.not_in_work":          {"not in work", "ikke i job", "inte i arbete"},
	"value.insured_unemployed":   {"insured unemployed", "forsikret ledig", "arbetslös med a-kassa"},
	"value.social_assistance":    {"on social assistance", "kontanthjælpsmodtager", "försörjningsstöd"},
	"value.education_allowance":  {"on education allowance", "uddannelsesydelse", "utbildningsbidrag"},
	"value.at_risk_of_dismissal": {"at risk of dismissal", "udfaldstruet", "varslad"},
	"value.employed":             {"employed", "i beskæftigelse", "anställd"},
	"value.student":              {"student", "studerende", "student"},
	"value.other":                {"other", "andet", "annat"},
	"isco.0":                     {"Armed forces occupations", "Militært arbejde", "Militärt arbete"},
	"isco.1":                     {"Managers", "Ledelsesarbejde", "Chefsyrken"},
	"isco.2":                     {"Professionals", "Arbejde på højeste niveau", "Yrken med krav på fördjupad högskolekompetens"},
	"isco.3":                     {"Technicians and associate professionals", "Arbejde på mellemniveau", "Yrken med krav på högskolekompetens"},
	"isco.4":                     {"Clerical support workers", "Kontor- og kundeservicearbejde", "Administration och kundtjänst"},
	"isco.5":                     {"Service and sales workers", "Service- og salgsarbejde", "Service, omsorg och försäljning"},
	"isco.6":                     {"Skilled agricultural, forestry and fishery workers", "Landbrug, skovbrug og fiskeri", "Lantbruk, trädgård, skogsbruk och fiske"},
	"isco.7":                     {"Craft and related trades workers", "Håndværkspræget arbejde", "Byggverksamhet och tillverkning"},
	"isco.8":                     {"Plant and machine operators, and assemblers", "Operatør-, monterings- og transportarbejde", "Maskinell tillverkning och transport"},
	"isco.9":                     {"Elementary occupations", "Andet manuelt arbejde", "Yrken med kortare utbildning"},
}

// DateS formats a YYYY-MM-DD string like [loc.Date]; anything else is
// returned as it is (document dates may be a year or a month).
func (l loc) DateS(s string) string {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return l.Date(t)
	}
	if t, err := time.Parse("2006-01", s); err == nil {
		return l.Month(t)
	}
	return s
}

// MonthS formats the month of a YYYY-MM-DD string like [loc.Month].
func (l loc) MonthS(s string) string {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return l.Month(t)
	}
	return s
}
