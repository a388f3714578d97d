package event_test

import (
	"fmt"
	"time"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/pseudonym"
)

func ExampleValidator_ParseStructured() {
	v, err := event.NewValidator()
	if err != nil {
		panic(err)
	}
	body := `{
	  "specversion": "1.0",
	  "id": "pl-0001-end",
	  "source": "https://jobcenter.helsingor.example.dk/case-system",
	  "type": "org.sundflow.placement.ended.v1",
	  "time": "2024-09-16T09:00:00+02:00",
	  "data": {
	    "placement_id": "pl-2024-0001",
	    "person": "43879ab0318b5473cf7147fe5337c9a78ff568e6237996e444d816f38b6b5d10",
	    "end": "2024-09-15"
	  }
	}`
	e, err := v.ParseStructured([]byte(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("valid:", e.Type(), e.ID())
	// Output: valid: org.sundflow.placement.ended.v1 pl-0001-end
}

func ExampleValidator_ParseStructured_invalid() {
	v, err := event.NewValidator()
	if err != nil {
		panic(err)
	}
	body := `{
	  "specversion": "1.0",
	  "id": "pl-0001-end",
	  "source": "https://jobcenter.helsingor.example.dk/case-system",
	  "type": "org.sundflow.placement.ended.v1",
	  "data": {
	    "placement_id": "pl-2024-0001",
	    "person": "010190-1234",
	    "start": "2024-09-01",
	    "end": "2024-08-31"
	  }
	}`
	_, err = v.ParseStructured([]byte(body))
	for _, p := range event.ProblemsOf(err) {
		fmt.Printf("%s (%s)\n", p.Path, p.Rule)
	}
	// Output:
	// $.time (required)
	// $.data.person (pattern)
	// $.data.end (dates.order)
	// $.data.person (privacy.cpr)
}

func ExampleNew() {
	v, err := event.NewValidator()
	if err != nil {
		panic(err)
	}
	// The source derives the pseudonym itself; the id here is synthetic.
	person := pseudonym.Derive([]byte("the source's secret key"), "synthetic-person-42")
	e, err := event.New(event.PlacementEnded, "urn:sundflow:example", "pl-7-end",
		time.Date(2024, 9, 16, 9, 0, 0, 0, time.UTC),
		event.PlacementEndedData{PlacementID: "pl-7", Person: person, End: "2024-09-15", Reason: "contract_ended"})
	if err != nil {
		panic(err)
	}
	fmt.Println(e.DataSchema())
	fmt.Println("valid:", v.Validate(e) == nil)
	// Output:
	// https://sundflow.org/schemas/org.sundflow.placement.ended.v1.json
	// valid: true
}

func ExampleMessageID() {
	fmt.Println(event.MessageID("urn:sundflow:example", "pl-7-end")[:16])
	// Output: 0ff81dba06e59fd5
}
