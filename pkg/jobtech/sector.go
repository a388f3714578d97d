package jobtech

import (
	"strings"

	"github.com/sundflow/sundflow/pkg/event"
)

// sectorPrefixes maps SSYK 2012 code prefixes to the projects' focus
// areas; the longest matching prefix wins, and an occupation no prefix
// matches is "other". The groups chosen, by focus area:
//
//   - health_care (social and health care, SOSU): 22 health
//     professionals, 32 health associate professionals, 53 care workers
//     (barnskötare, undersköterskor, vårdbiträden, personliga
//     assistenter), 266 social work, 3411 behandlingsassistenter, 4117
//     medicinska sekreterare.
//   - logistics (warehouse, transport, logistics): 432 warehouse, terminal
//     and transport clerks, 4420 postal terminal workers, 83 drivers and
//     mobile plant operators (except 8342, construction), 9331 dock
//     workers, 9332 ramp staff, 9320 hand packers.
//   - construction (building and construction): 71 building and civil
//     engineering trades, 3112 construction engineers and technicians,
//     3121 construction supervisors, 7213 building sheet-metal workers,
//     741 electricians, 8342 earthmoving plant operators, 9310 building
//     labourers.
//   - service (service, tourism, retail, restaurants): 51 service workers
//     (cabin crew, guides, cooks, waiters, hairdressers, cleaning
//     supervisors), 52 sales, 4221/4222/4224/4225 travel, customer service
//     and reception, 3451/3452 chefs and catering managers, 91 cleaners,
//     94 food preparation assistants, 9520 market vendors, 9622/9629
//     caretakers and other service workers.
//   - academics (graduates): the rest of major group 2, occupations that
//     require a higher education (engineers, teachers, IT specialists,
//     economists, lawyers...).
var sectorPrefixes = map[string]event.Sector{
	"22": event.SectorHealthCare, "32": event.SectorHealthCare, "53": event.SectorHealthCare,
	"266": event.SectorHealthCare, "3411": event.SectorHealthCare, "4117": event.SectorHealthCare,

	"432": event.SectorLogistics, "4420": event.SectorLogistics, "83": event.SectorLogistics,
	"9331": event.SectorLogistics, "9332": event.SectorLogistics, "9320": event.SectorLogistics,

	"71": event.SectorConstruction, "3112": event.SectorConstruction, "3121": event.SectorConstruction,
	"7213": event.SectorConstruction, "741": event.SectorConstruction, "8342": event.SectorConstruction,
	"9310": event.SectorConstruction,

	"51": event.SectorService, "52": event.SectorService, "4221": event.SectorService,
	"4222": event.SectorService, "4224": event.SectorService, "4225": event.SectorService,
	"3451": event.SectorService, "3452": event.SectorService, "91": event.SectorService,
	"94": event.SectorService, "9520": event.SectorService, "9622": event.SectorService,
	"9629": event.SectorService,

	"2": event.SectorAcademics,
}

// SectorOf is the focus area of an SSYK 2012 unit group (see the table
// in sector.go); "other" when none applies.
func SectorOf(ssyk string) event.Sector {
	for n := len(ssyk); n > 0; n-- {
		if s, ok := sectorPrefixes[ssyk[:n]]; ok {
			return s
		}
	}
	return event.SectorOther
}

// ISCOOf is the ISCO-08 code sundflow gives an SSYK 2012 unit group: its
// major group, the first digit, which the two classifications share.
func ISCOOf(ssyk string) string {
	if ssyk == "" || strings.Trim(ssyk, "0123456789") != "" {
		return ""
	}
	return ssyk[:1]
}
