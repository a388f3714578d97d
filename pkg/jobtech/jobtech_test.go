package jobtech

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/delivery"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/refcode"
)

// collect is a sink that keeps what it is given.
type collect struct{ events []ce.Event }

func (c *collect) Publish(_ context.Context, events []ce.Event) (delivery.Result, error) {
	var r delivery.Result
	for i, e := range events {
		c.events = append(c.events, e)
		r.Accepted++
		r.Results = append(r.Results, delivery.EventResult{Index: i, ID: e.ID(), Status: delivery.StatusAccepted})
	}
	return r, nil
}

func (c *collect) data(t *testing.T) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(c.events))
	for i, e := range c.events {
		if err := json.Unmarshal(e.Data(), &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func run(t *testing.T, conv *Converter, input string) (Stats, *collect, error) {
	t.Helper()
	sink := &collect{}
	rd := &Reader{Converter: conv, Validator: validator, BatchSize: 2}
	st, err := rd.Run(context.Background(), strings.NewReader(input), sink)
	return st, sink, err
}

func TestRealSample(t *testing.T) {
	b, err := os.ReadFile("/work/shared/testdata/jobtech/stream-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	st, sink, err := run(t, &Converter{Projects: []string{"job-paa-tvaers"}}, string(b))
	if err != nil {
		t.Fatal(err)
	}
	if st.Ads != 1 || st.Published != 1 || len(sink.events) != 1 {
		t.Fatalf("stats %v", st)
	}
	e := sink.events[0]
	if e.ID() != "ad-23174210-published" || e.Type() != string(event.VacancyPublished) || e.Source() != "/se/arbetsformedlingen/jobstream" {
		t.Errorf("envelope: id %s type %s source %s", e.ID(), e.Type(), e.Source())
	}
	if want := time.Date(2019, 3, 13, 0, 0, 0, 0, stockholm); !e.Time().Equal(want) {
		t.Errorf("time %v, want %v", e.Time(), want)
	}
	var got event.VacancyPublishedData
	if err := json.Unmarshal(e.Data(), &got); err != nil {
		t.Fatal(err)
	}
	want := event.VacancyPublishedData{
		VacancyID:  "23174210",
		Title:      "Java-utvecklare",
		Employer:   event.Employer{Country: "SE", RegistrationNumber: "1222124758", Name: "Not4real dream business AB"},
		Workplace:  event.Place{Country: "SE", Municipality: "0180"},
		Occupation: event.Occupation{ISCO: "2", SSYK: "2512"},
		Sector:     event.SectorAcademics,
		Positions:  1,
		Published:  "2019-03-13",
		Deadline:   "2019-05-12",
		Projects:   []string{"job-paa-tvaers"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("data\n got %+v\nwant %+v", got, want)
	}
	// The ad's description, contact e-mail and reference person stay out.
	for _, s := range []string{"@", "John Doe", "08999999999"} {
		if strings.Contains(string(e.Data()), s) {
			t.Errorf("event data carries %q", s)
		}
	}
}

// ad builds a live ad in JobStream's shape with fields overridden.
func ad(over map[string]any) map[string]any {
	a := map[string]any{
		"id":                  "900001",
		"headline":            "Lagerarbetare till terminal i Helsingborg",
		"number_of_vacancies": 3,
		"employer":            map[string]any{"organization_number": "5560000001", "name": "Sundets Logistik AB (sim)", "workplace": "Terminal Nord"},
		"occupation_group":    map[string]any{"concept_id": "x", "label": "Lager- och terminalpersonal", "legacy_ams_taxonomy_id": "4322"},
		"workplace_address": map[string]any{"municipality_code": "1283", "municipality": "Helsingborg", "region_code": "12",
			"region": "Skåne län", "country_code": "01", "country": "Sverige"},
		"publication_date":      "2019-04-01T00:00:00",
		"application_deadline":  "2019-04-30T23:59:59",
		"last_publication_date": "2019-04-30T23:59:59",
		"removed":               false,
		"removed_date":          nil,
		"timestamp":             1554069600000,
	}
	maps.Copy(a, over)
	return a
}

// removedShort is the short shape of a removed ad: concept ids only.
func removedShort(id, date, municipalityConcept string) map[string]any {
	return map[string]any{"id": id, "removed": true, "removed_date": date,
		"occupation": "occ", "occupation_group": "DJh5_yyF_hEM", "occupation_field": "apaJ_2ja_LuF",
		"municipality": municipalityConcept, "region": "CaRE_1nn_cSU", "country": "i46j_HmG_v64"}
}

func stream(t *testing.T, ads ...any) string {
	t.Helper()
	b, err := json.Marshal(ads)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func conceptOf(t *testing.T, code string) string {
	t.Helper()
	m, ok := refcode.SEMunicipality(code)
	if !ok {
		t.Fatalf("no municipality %s", code)
	}
	return m.ConceptID
}

func TestLiveAdsTolerateNulls(t *testing.T) {
	tests := []struct {
		name      string
		over      map[string]any
		wantSkip  string
		wantNotes []string
		check     func(t *testing.T, d map[string]any)
	}{
		{name: "complete", check: func(t *testing.T, d map[string]any) {
			if d["sector"] != "logistics" || d["positions"] != 3.0 || d["workplace"].(map[string]any)["municipality"] != "1283" {
				t.Errorf("data %v", d)
			}
		}},
		{name: "numeric id", over: map[string]any{"id": 900002}, check: func(t *testing.T, d map[string]any) {
			if d["vacancy_id"] != "900002" {
				t.Errorf("vacancy_id %v", d["vacancy_id"])
			}
		}},
		{name: "null id", over: map[string]any{"id": nil}, wantSkip: SkipNoID},
		{name: "null employer", over: map[string]any{"employer": nil}, wantSkip: SkipNoEmployer},
		{name: "employer name null, workplace given", over: map[string]any{"employer": map[string]any{"name": nil, "workplace": "Terminal Nord", "organization_number": nil}},
			check: func(t *testing.T, d map[string]any) {
				if e := d["employer"].(map[string]any); e["name"] != "Terminal Nord" || e["registration_number"] != nil {
					t.Errorf("employer %v", e)
				}
			}},
		{name: "odd organisation number", over: map[string]any{"employer": map[string]any{"name": "X AB", "organization_number": "SE556000000101"}},
			wantNotes: []string{NoteRegistrationOmit}},
		{name: "null occupation group", over: map[string]any{"occupation_group": nil}, wantSkip: SkipNoOccupation},
		{name: "occupation by concept id only", over: map[string]any{"occupation_group": map[string]any{"concept_id": "DJh5_yyF_hEM", "legacy_ams_taxonomy_id": nil}},
			check: func(t *testing.T, d map[string]any) {
				if o := d["occupation"].(map[string]any); o["ssyk"] != "2512" || o["isco"] != "2" || d["sector"] != "academics" {
					t.Errorf("occupation %v sector %v", o, d["sector"])
				}
			}},
		{name: "null workplace", over: map[string]any{"workplace_address": nil}, wantSkip: SkipNoCountry},
		{name: "municipality by name, no country", over: map[string]any{"workplace_address": map[string]any{"municipality_code": nil, "municipality": "Höganäs", "country_code": nil, "country": nil}},
			check: func(t *testing.T, d map[string]any) {
				if w := d["workplace"].(map[string]any); w["country"] != "SE" || w["municipality"] != "1284" {
					t.Errorf("workplace %v", w)
				}
			}},
		{name: "workplace in Denmark", over: map[string]any{"workplace_address": map[string]any{"municipality_code": nil, "municipality": "Helsingør", "country_code": nil, "country": "Danmark"}},
			wantNotes: []string{NoteNoMunicipality},
			check: func(t *testing.T, d map[string]any) {
				if w := d["workplace"].(map[string]any); w["country"] != "DK" || w["municipality"] != nil {
					t.Errorf("workplace %v", w)
				}
			}},
		{name: "unknown country", over: map[string]any{"workplace_address": map[string]any{"country": "Atlantis"}}, wantSkip: SkipNoCountry},
		{name: "null vacancies", over: map[string]any{"number_of_vacancies": nil}, wantNotes: []string{NotePositionsDefault}},
		{name: "null publication date uses timestamp", over: map[string]any{"publication_date": nil},
			check: func(t *testing.T, d map[string]any) {
				if d["published"] != "2019-04-01" {
					t.Errorf("published %v", d["published"])
				}
			}},
		{name: "no date at all", over: map[string]any{"publication_date": nil, "timestamp": nil}, wantSkip: SkipNoDate},
		{name: "deadline before publication", over: map[string]any{"application_deadline": "2019-03-01T00:00:00"}, wantNotes: []string{NoteDeadlineDropped}},
		{name: "null headline", over: map[string]any{"headline": nil}, check: func(t *testing.T, d map[string]any) {
			if _, ok := d["title"]; ok {
				t.Errorf("title %v", d["title"])
			}
		}},
		{name: "wrong type", over: map[string]any{"removed": "no"}, wantSkip: SkipMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, sink, err := run(t, &Converter{}, stream(t, ad(tt.over)))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantSkip != "" {
				if st.Skipped[tt.wantSkip] != 1 || len(sink.events) != 0 {
					t.Fatalf("stats %v, want skipped %s", st, tt.wantSkip)
				}
				return
			}
			if len(sink.events) != 1 || st.Published != 1 {
				t.Fatalf("stats %v", st)
			}
			for _, n := range tt.wantNotes {
				if st.Notes[n] != 1 {
					t.Errorf("notes %v, want %s", st.Notes, n)
				}
			}
			if tt.check != nil {
				tt.check(t, sink.data(t)[0])
			}
		})
	}
}

func TestRemovedAds(t *testing.T) {
	helsingborg := conceptOf(t, "1283")
	stockholm := conceptOf(t, "0180")
	tests := []struct {
		name        string
		conv        Converter
		ads         []any
		wantReasons []string // per closed event, in order
		wantGuessed int
		wantSkipped map[string]int
		check       func(t *testing.T, d map[string]any)
	}{
		{name: "short shape alone: reason unknown, withdrawn by default",
			ads: []any{removedShort("900001", "2019-04-10T08:00:00", helsingborg)}, wantReasons: []string{"withdrawn"}, wantGuessed: 1,
			check: func(t *testing.T, d map[string]any) {
				if d["closed"] != "2019-04-10" || d["positions_filled"] != 0.0 || d["published"] != nil {
					t.Errorf("data %v", d)
				}
			}},
		{name: "short shape alone, expired chosen for unknowns", conv: Converter{UnknownReason: "expired"},
			ads: []any{removedShort("900001", "2019-04-10T08:00:00", helsingborg)}, wantReasons: []string{"expired"}, wantGuessed: 1},
		{name: "removed before its last day after the live ad: withdrawn",
			ads:         []any{ad(nil), removedShort("900001", "2019-04-10T08:00:00", helsingborg)},
			wantReasons: []string{"withdrawn"},
			check: func(t *testing.T, d map[string]any) {
				if d["published"] != "2019-04-01" || d["positions"] != 3.0 {
					t.Errorf("data %v", d)
				}
			}},
		{name: "removed on its last day: expired",
			ads:         []any{ad(nil), removedShort("900001", "2019-04-30T23:59:59", helsingborg)},
			wantReasons: []string{"expired"}},
		{name: "full shape removed after its last day: expired",
			ads:         []any{ad(map[string]any{"removed": true, "removed_date": "2019-05-02T01:00:00"})},
			wantReasons: []string{"expired"}},
		{name: "no removal date: timestamp",
			ads:         []any{map[string]any{"id": "7", "removed": true, "removed_date": nil, "timestamp": 1554069600000}},
			wantReasons: []string{"withdrawn"}, wantGuessed: 1},
		{name: "no date at all", ads: []any{map[string]any{"id": "7", "removed": true}},
			wantSkipped: map[string]int{SkipNoDate: 1}},
		{name: "län filter keeps Skåne by the municipality concept id", conv: Converter{Lan: []string{"12"}},
			ads:         []any{removedShort("1", "2019-04-10T08:00:00", helsingborg), removedShort("2", "2019-04-10T08:00:00", stockholm)},
			wantReasons: []string{"withdrawn"}, wantGuessed: 1, wantSkipped: map[string]int{SkipOutsideFilter: 1}},
		{name: "municipality filter", conv: Converter{Municipalities: []string{"0180"}},
			ads:         []any{removedShort("1", "2019-04-10T08:00:00", helsingborg), removedShort("2", "2019-04-10T08:00:00", stockholm), ad(nil)},
			wantReasons: []string{"withdrawn"}, wantGuessed: 1, wantSkipped: map[string]int{SkipOutsideFilter: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conv := tt.conv
			st, sink, err := run(t, &conv, stream(t, tt.ads...))
			if err != nil {
				t.Fatal(err)
			}
			var reasons []string
			var closed []map[string]any
			for i, e := range sink.events {
				if e.Type() == string(event.VacancyClosed) {
					d := sink.data(t)[i]
					reasons = append(reasons, d["reason"].(string))
					closed = append(closed, d)
					if !strings.HasSuffix(e.ID(), "-closed") {
						t.Errorf("id %s", e.ID())
					}
				}
			}
			if fmt.Sprint(reasons) != fmt.Sprint(tt.wantReasons) {
				t.Errorf("reasons %v, want %v (stats %v)", reasons, tt.wantReasons, st)
			}
			if st.Notes[NoteRemovalGuessed] != tt.wantGuessed {
				t.Errorf("guessed %d, want %d", st.Notes[NoteRemovalGuessed], tt.wantGuessed)
			}
			for k, v := range tt.wantSkipped {
				if st.Skipped[k] != v {
					t.Errorf("skipped %v, want %s=%d", st.Skipped, k, v)
				}
			}
			if tt.check != nil && len(closed) > 0 {
				tt.check(t, closed[0])
			}
		})
	}
}

func TestStreamShapes(t *testing.T) {
	one, _ := json.Marshal(ad(nil))
	two, _ := json.Marshal(ad(map[string]any{"id": "900002"}))
	tests := []struct {
		name        string
		input       string
		wantEvents  int
		wantSkipped int
		wantErr     error
	}{
		{name: "array", input: "[" + string(one) + "," + string(two) + "]", wantEvents: 2},
		{name: "empty array", input: " [ ] ", wantEvents: 0},
		{name: "JSON lines", input: string(one) + "\n" + string(two) + "\n", wantEvents: 2},
		{name: "a non-object in the array is skipped", input: "[" + string(one) + `,"oops",42,null,` + string(two) + "]", wantEvents: 2, wantSkipped: 3},
		{name: "empty input", input: "", wantErr: ErrStream},
		{name: "not JSON", input: "<html>502 Bad Gateway</html>", wantErr: ErrStream},
		{name: "cut off", input: "[" + string(one) + "," + string(two)[:40], wantEvents: 1, wantErr: ErrStream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, sink, err := run(t, &Converter{}, tt.input)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if len(sink.events) != tt.wantEvents || st.SkippedTotal() != tt.wantSkipped {
				t.Errorf("%d events, stats %v; want %d events, %d skipped", len(sink.events), st, tt.wantEvents, tt.wantSkipped)
			}
		})
	}
}

// A large stream is read ad by ad: it is produced while being read.
func TestLargeStreamIsStreamed(t *testing.T) {
	const n = 5000
	pr, pw := io.Pipe()
	go func() {
		enc := json.NewEncoder(pw)
		_, _ = io.WriteString(pw, "[")
		for i := range n {
			if i > 0 {
				_, _ = io.WriteString(pw, ",")
			}
			if i%10 == 9 {
				_ = enc.Encode(removedShort(fmt.Sprint(800000+i-1), "2019-04-10T08:00:00", "qj3q_oXH_MGR"))
				continue
			}
			_ = enc.Encode(ad(map[string]any{"id": fmt.Sprint(800000 + i)}))
		}
		_, _ = io.WriteString(pw, "]")
		pw.Close()
	}()
	sink := &collect{}
	rd := &Reader{Converter: &Converter{}, Validator: validator, BatchSize: 500}
	st, err := rd.Run(context.Background(), pr, sink)
	if err != nil {
		t.Fatal(err)
	}
	if st.Ads != n || st.Published != n*9/10 || st.Closed != n/10 || st.ClosedByReason["withdrawn"] != n/10 || st.Accepted != n {
		t.Errorf("stats %v", st)
	}
}

func TestFetch(t *testing.T) {
	var gotDate, gotKey string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stream" {
			http.NotFound(w, r)
			return
		}
		gotDate, gotKey = r.URL.Query().Get("date"), r.Header.Get("api-key")
		if gotKey == "bad" {
			http.Error(w, "invalid api key", http.StatusUnauthorized)
			return
		}
		b, _ := os.ReadFile("/work/shared/testdata/jobtech/stream-sample.json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	since := time.Date(2019, 3, 12, 23, 0, 0, 0, time.UTC)
	body, err := Fetch(context.Background(), srv.Client(), srv.URL+"/stream", since, "k3y")
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	st, err := (&Reader{Converter: &Converter{}, Validator: validator}).Run(context.Background(), body, &collect{})
	if err != nil || st.Published != 1 {
		t.Fatalf("stats %v err %v", st, err)
	}
	if gotDate != "2019-03-13T00:00:00" || gotKey != "k3y" {
		t.Errorf("date %q (want Swedish local time 2019-03-13T00:00:00), api-key %q", gotDate, gotKey)
	}
	if _, err := Fetch(context.Background(), srv.Client(), srv.URL+"/stream", since, "bad"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("err = %v, want the 401 named", err)
	}
}

func TestSectorAndISCO(t *testing.T) {
	tests := []struct {
		ssyk       string
		wantSector event.Sector
	}{
		{"2221", event.SectorHealthCare}, // sjuksköterskor
		{"5321", event.SectorHealthCare}, // undersköterskor
		{"2661", event.SectorHealthCare}, // socialsekreterare
		{"4322", event.SectorLogistics},  // lager- och terminalpersonal
		{"8332", event.SectorLogistics},  // lastbilsförare
		{"8342", event.SectorConstruction},
		{"7111", event.SectorConstruction},
		{"7411", event.SectorConstruction},
		{"5120", event.SectorService}, // kockar
		{"5223", event.SectorService}, // butikssäljare
		{"9412", event.SectorService},
		{"2512", event.SectorAcademics},
		{"2341", event.SectorAcademics},
		{"1111", event.SectorOther},
		{"8211", event.SectorOther},
	}
	for _, tt := range tests {
		t.Run(tt.ssyk, func(t *testing.T) {
			if _, ok := refcode.SSYK(tt.ssyk); !ok {
				t.Fatalf("%s is not an SSYK code", tt.ssyk)
			}
			if got := SectorOf(tt.ssyk); got != tt.wantSector {
				t.Errorf("SectorOf(%s) = %s, want %s", tt.ssyk, got, tt.wantSector)
			}
		})
	}
	// Every prefix in the table names real SSYK codes, and every SSYK code
	// gets an ISCO-08 major group that exists.
	for p := range sectorPrefixes {
		found := false
		for _, g := range refcode.SSYKGroups() {
			found = found || strings.HasPrefix(g.Code, p)
		}
		if !found {
			t.Errorf("sector prefix %s matches no SSYK code", p)
		}
	}
	for _, g := range refcode.SSYKGroups() {
		isco, ok := refcode.ISCO(ISCOOf(g.Code))
		if !ok || isco.Level != refcode.ISCOMajor {
			t.Errorf("SSYK %s: ISCO %q is not a major group", g.Code, ISCOOf(g.Code))
		}
	}
}

func BenchmarkReader(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("[")
	const n = 2000
	for i := range n {
		if i > 0 {
			buf.WriteString(",")
		}
		a, _ := json.Marshal(ad(map[string]any{"id": fmt.Sprint(i)}))
		buf.Write(a)
	}
	buf.WriteString("]")
	input := buf.Bytes()
	// Baseline: decoding the same array into generic values, nothing else.
	began := time.Now()
	for range b.N {
		var v []map[string]any
		if err := json.Unmarshal(input, &v); err != nil {
			b.Fatal(err)
		}
	}
	base := time.Since(began)
	b.ResetTimer()
	for range b.N {
		rd := &Reader{Converter: &Converter{}, Validator: validator}
		if _, err := rd.Run(context.Background(), bytes.NewReader(input), &collect{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	el := b.Elapsed()
	adsPerSec := float64(n*b.N) / el.Seconds()
	b.ReportMetric(adsPerSec, "ads/s")
	b.ReportMetric(el.Seconds()/base.Seconds(), "x_plain_decode")
	b.Logf("jobtech: %.0f ads/s converted+validated; %.1fx the time of a plain json.Unmarshal of the same ads", adsPerSec, el.Seconds()/base.Seconds())
}
