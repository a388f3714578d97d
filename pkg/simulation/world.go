package simulation

import (
	"fmt"
	"math/rand/v2"

	"github.com/sundflow/sundflow/pkg/event"
)

// weighted is a value with a relative weight.
type weighted[T any] struct {
	v T
	w float64
}

// pick draws from a weighted list.
func pick[T any](r *rand.Rand, list []weighted[T]) T {
	total := 0.0
	for _, x := range list {
		total += x.w
	}
	f := r.Float64() * total
	for _, x := range list {
		if f < x.w {
			return x.v
		}
		f -= x.w
	}
	return list[len(list)-1].v
}

// Municipalities on both sides of the strait, weighted toward Helsingør and
// Helsingborg, where Job på Tværs worked. Codes are checked against
// pkg/refcode by the tests.
var (
	seResidence = []weighted[string]{
		{"1283", 45}, {"1284", 9}, {"1292", 8}, {"1282", 8}, {"1280", 10}, {"1281", 5},
		{"1260", 3}, {"1277", 3}, {"1276", 3}, {"1278", 3}, {"1261", 2}, {"1262", 1},
	}
	dkResidence = []weighted[string]{
		{"217", 45}, {"210", 12}, {"219", 10}, {"270", 8}, {"101", 12}, {"260", 5}, {"223", 4}, {"250", 4},
	}
	dkWork = []weighted[string]{
		{"217", 40}, {"219", 12}, {"210", 10}, {"101", 14}, {"157", 5}, {"173", 5}, {"230", 5}, {"201", 4}, {"270", 5},
	}
	seWork = []weighted[string]{
		{"1283", 55}, {"1284", 8}, {"1292", 10}, {"1282", 9}, {"1280", 18},
	}
)

// Occupations by sector: ISCO-08 unit groups for Danish workplaces (the
// Danish code, DISCO-08, starts with them) and SSYK 2012 unit groups for
// Swedish ones (ISCO-08 then is the shared major group, as
// producers/jobtech sends it).
var (
	dkOccupations = map[event.Sector][]string{
		event.SectorHealthCare:   {"5321", "5322", "2221", "3221"},
		event.SectorLogistics:    {"4321", "8332", "9333", "8344"},
		event.SectorConstruction: {"7115", "7112", "7126", "7411", "9313"},
		event.SectorService:      {"5120", "5131", "5223", "9112", "4224"},
		event.SectorAcademics:    {"2512", "2142", "2341", "2411", "2431"},
	}
	seOccupations = map[event.Sector][]string{
		event.SectorHealthCare:   {"5321", "5330", "2221", "5311"},
		event.SectorLogistics:    {"4322", "8332", "8344", "9331"},
		event.SectorConstruction: {"7111", "7112", "7125", "7411", "9310"},
		event.SectorService:      {"5120", "5131", "5223", "9111", "4224"},
		event.SectorAcademics:    {"2512", "2142", "2341", "2411", "2431"},
	}
)

// focusAreas are the five focus areas of Job på Tværs (sector "other" is
// for what falls outside them).
var focusAreas = []event.Sector{
	event.SectorHealthCare, event.SectorLogistics, event.SectorConstruction, event.SectorService, event.SectorAcademics,
}

// Sector mix of placements and vacancies.
var sectorMix = []weighted[event.Sector]{
	{event.SectorHealthCare, 25}, {event.SectorLogistics, 25}, {event.SectorConstruction, 15},
	{event.SectorService, 25}, {event.SectorAcademics, 10},
}

var placementKinds = []weighted[string]{
	{"ordinary_job", 70}, {"wage_subsidy", 8}, {"internship", 10}, {"apprenticeship", 4}, {"seasonal", 8},
}

// Status before the placement, in proportions like Norgesprojektet's
// (seed 004): mostly insured unemployed, then already employed.
var statusesBefore = []weighted[string]{
	{"insured_unemployed", 50}, {"employed", 20}, {"social_assistance", 10}, {"student", 8},
	{"education_allowance", 4}, {"at_risk_of_dismissal", 5}, {"other", 3},
}

// Status at course completion, in proportions like VækstAkademiker's
// (seed 004): 53 ordinary job, 21 wage subsidy, 10 self-employed, 6
// internship, 4 other placement, 56 not in work, of 150.
var completionStatuses = []weighted[string]{
	{"ordinary_job", 53}, {"wage_subsidy", 21}, {"self_employed", 10}, {"internship", 6},
	{"other_placement", 4}, {"education", 6}, {"not_in_work", 50},
}

var endReasons = []weighted[string]{
	{"contract_ended", 35}, {"resigned", 35}, {"dismissed", 12}, {"moved", 8}, {"other", 10},
}

// Synthetic employer names: word stems that are not company names, with a
// sector word and a legal form.
var (
	employerStems = []string{"Sundby", "Kronvig", "Øresundshus", "Kullabo", "Strandvang", "Nordkyst", "Ravnsholt", "Lindegård", "Söderbro", "Havsvik", "Bøgely", "Ekdala"}
	sectorWords   = map[event.Sector][2]string{ // Danish, Swedish
		event.SectorHealthCare:   {"Omsorg", "Omsorg"},
		event.SectorLogistics:    {"Logistik", "Logistik"},
		event.SectorConstruction: {"Byg", "Bygg"},
		event.SectorService:      {"Hotel & Restaurant", "Handel"},
		event.SectorAcademics:    {"Rådgivning", "Konsult"},
	}
)

// employer is a synthetic employer.
type employer struct {
	country, reg, name string
}

// newEmployer makes the n-th synthetic employer of a sector in a country:
// a CVR-shaped (8 digits) or organisationsnummer-shaped (10 digits)
// number from a range no real register uses for these names.
func newEmployer(country string, sector event.Sector, n int) employer {
	stem := employerStems[n%len(employerStems)]
	w := sectorWords[sector]
	if country == "DK" {
		return employer{country: "DK", reg: fmt.Sprintf("9%07d", 1000+n*37+sectorIndex(sector)), name: fmt.Sprintf("%s %s ApS (sim)", stem, w[0])}
	}
	return employer{country: "SE", reg: fmt.Sprintf("559%07d", 1000+n*37+sectorIndex(sector)), name: fmt.Sprintf("%s %s AB (sim)", stem, w[1])}
}

func sectorIndex(s event.Sector) int {
	for i, f := range focusAreas {
		if f == s {
			return i
		}
	}
	return len(focusAreas)
}

// Course providers and titles by sector.
var (
	providers = map[event.Sector]string{
		event.SectorHealthCare:   "Kronborg SOSU-skole (sim)",
		event.SectorLogistics:    "Öresund Yrkesskola (sim)",
		event.SectorConstruction: "Öresund Yrkesskola (sim)",
		event.SectorService:      "Kullaberg Hotel- og Restaurantskole (sim)",
		event.SectorAcademics:    "Sundets Akademi (sim)",
	}
	courseTitles = map[event.Sector]string{
		event.SectorHealthCare:   "Dansk for SOSU-assistenter",
		event.SectorLogistics:    "Truckcertifikat og lagerlogistik",
		event.SectorConstruction: "Byggepladsens sikkerhed og dansk fagsprog",
		event.SectorService:      "Service og gæstebetjening på tværs af sundet",
		event.SectorAcademics:    "Dansk arbejdsmarked for akademikere",
	}
	fairTitles = map[event.Sector]string{
		event.SectorHealthCare:   "Pop-up jobmesse: SOSU",
		event.SectorLogistics:    "Pop-up jobmesse: lager og transport",
		event.SectorConstruction: "Pop-up jobmesse: bygge og anlæg",
		event.SectorService:      "Pop-up jobmesse: service og turisme",
		event.SectorAcademics:    "Pop-up jobmesse: akademikere",
		event.SectorOther:        "Infomøde: arbejde på den anden side af sundet",
	}
	organisers = []string{"Helsingør Kommune", "Helsingborgs stad", "Arbetsförmedlingen"}
)
