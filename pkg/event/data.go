package event

// The Go shapes of each type's data, as its schema under schemas/ defines
// it. Producers fill them; the projector reads them. Optional fields are
// pointers or omitempty so that encoding a decoded value gives the same
// JSON back.

// Date is a calendar date, YYYY-MM-DD.
type Date = string

// Place is a country (ISO 3166-1 alpha-2) and, where known, a
// municipality code in it (DK kommunekode, SE kommunkod).
type Place struct {
	Country      string `json:"country"`
	Municipality string `json:"municipality,omitempty"`
}

// Person is a pseudonymised person and where they live.
type Person struct {
	Pseudonym string `json:"pseudonym"`
	Residence Place  `json:"residence"`
}

// Employer is an employer by country of registration, registration
// number (CVR, organisationsnummer) and name.
type Employer struct {
	Country            string `json:"country"`
	RegistrationNumber string `json:"registration_number,omitempty"`
	Name               string `json:"name"`
}

// Occupation carries the ISCO-08 code and the national code it came from.
type Occupation struct {
	ISCO  string `json:"isco"`
	DISCO string `json:"disco,omitempty"`
	SSYK  string `json:"ssyk,omitempty"`
}

// Sector is a focus area.
type Sector = string

// The focus areas of the seeds' projects.
const (
	SectorHealthCare   Sector = "health_care"
	SectorLogistics    Sector = "logistics"
	SectorConstruction Sector = "construction"
	SectorService      Sector = "service"
	SectorAcademics    Sector = "academics"
	SectorOther        Sector = "other"
)

// Sectors lists the focus areas in display order.
var Sectors = []Sector{SectorHealthCare, SectorLogistics, SectorConstruction, SectorService, SectorAcademics, SectorOther}

// VacancyPublishedData is the data of [VacancyPublished].
type VacancyPublishedData struct {
	VacancyID   string     `json:"vacancy_id"`
	Title       string     `json:"title,omitempty"`
	Employer    Employer   `json:"employer"`
	Workplace   Place      `json:"workplace"`
	Occupation  Occupation `json:"occupation"`
	Sector      Sector     `json:"sector"`
	Positions   int        `json:"positions"`
	CrossBorder bool       `json:"cross_border,omitempty"`
	Published   Date       `json:"published"`
	Deadline    Date       `json:"deadline,omitempty"`
	Projects    []string   `json:"projects,omitempty"`
}

// VacancyClosedData is the data of [VacancyClosed].
type VacancyClosedData struct {
	VacancyID       string `json:"vacancy_id"`
	Reason          string `json:"reason"` // filled, withdrawn, expired
	Closed          Date   `json:"closed"`
	Published       Date   `json:"published,omitempty"`
	Positions       int    `json:"positions,omitempty"`
	PositionsFilled int    `json:"positions_filled"`
}

// FairScheduledData is the data of [FairScheduled].
type FairScheduledData struct {
	FairID     string   `json:"fair_id"`
	Kind       string   `json:"kind"` // job_fair, popup_fair, speed_dating, info_meeting
	Title      string   `json:"title,omitempty"`
	Date       Date     `json:"date"`
	EndDate    Date     `json:"end_date,omitempty"`
	Location   Place    `json:"location"`
	Sector     Sector   `json:"sector"`
	Organisers []string `json:"organisers"`
	Capacity   int      `json:"capacity,omitempty"`
	Projects   []string `json:"projects,omitempty"`
}

// FairSignupData is the data of [FairSignup]; exactly one of Person and
// Employer is set.
type FairSignupData struct {
	FairID   string    `json:"fair_id"`
	Action   string    `json:"action"` // registered, cancelled, attended
	Date     Date      `json:"date"`
	Person   *Person   `json:"person,omitempty"`
	Employer *Employer `json:"employer,omitempty"`
	Projects []string  `json:"projects,omitempty"`
}

// CourseCompletedData is the data of [CourseCompleted].
type CourseCompletedData struct {
	CourseID  string   `json:"course_id"`
	RunID     string   `json:"run_id"`
	Title     string   `json:"title,omitempty"`
	Provider  string   `json:"provider"`
	Sector    Sector   `json:"sector"`
	Person    Person   `json:"person"`
	Hours     float64  `json:"hours"`
	Completed Date     `json:"completed"`
	Status    string   `json:"status"` // ordinary_job, wage_subsidy, self_employed, internship, other_placement, education, not_in_work
	Projects  []string `json:"projects,omitempty"`
}

// PlacementStartedData is the data of [PlacementStarted].
type PlacementStartedData struct {
	PlacementID  string     `json:"placement_id"`
	Person       Person     `json:"person"`
	Workplace    Place      `json:"workplace"`
	Employer     Employer   `json:"employer"`
	Sector       Sector     `json:"sector"`
	Occupation   Occupation `json:"occupation"`
	Kind         string     `json:"kind"`          // ordinary_job, wage_subsidy, internship, apprenticeship, seasonal
	StatusBefore string     `json:"status_before"` // insured_unemployed, social_assistance, education_allowance, at_risk_of_dismissal, employed, student, other
	Start        Date       `json:"start"`
	PlannedEnd   Date       `json:"planned_end,omitempty"`
	Projects     []string   `json:"projects,omitempty"`
}

// PlacementEndedData is the data of [PlacementEnded].
type PlacementEndedData struct {
	PlacementID string `json:"placement_id"`
	Person      string `json:"person"`
	Start       Date   `json:"start,omitempty"`
	End         Date   `json:"end"`
	Reason      string `json:"reason,omitempty"`
}

// EventRetractedData is the data of [EventRetracted].
type EventRetractedData struct {
	RetractedSource string `json:"retracted_source"`
	RetractedID     string `json:"retracted_id"`
	Reason          string `json:"reason"`
}
