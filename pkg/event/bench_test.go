package event

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
)

// BenchmarkParseStructured measures full validation of one event against
// a baseline measured in the same run: the CloudEvents SDK's own
// json.Unmarshal of the same bytes, which checks only the envelope. The
// ratio is what the contract costs on top of plain decoding.
func BenchmarkParseStructured(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "valid", "placement.started", "se-to-dk.json"))
	if err != nil {
		b.Fatal(err)
	}
	v := newTestValidator(b)
	n := max(b.N, 2000) // both sides run the same, not too small, count

	start := time.Now()
	for range n {
		var e ce.Event
		if err := json.Unmarshal(body, &e); err != nil {
			b.Fatal(err)
		}
	}
	base := time.Since(start)

	b.ResetTimer()
	start = time.Now()
	for range n {
		if _, err := v.ParseStructured(body); err != nil {
			b.Fatal(err)
		}
	}
	full := time.Since(start)
	b.StopTimer()

	perBase := float64(base.Nanoseconds()) / float64(n)
	perFull := float64(full.Nanoseconds()) / float64(n)
	b.ReportMetric(perFull, "validate_ns/event")
	b.ReportMetric(perBase, "sdk_unmarshal_ns/event")
	b.ReportMetric(perFull/perBase, "x_sdk_unmarshal")
	fmt.Printf("ParseStructured: %.0f ns/event (%.0f events/s per core), %.1fx the SDK's plain unmarshal (%.0f ns/event), %d events\n",
		perFull, 1e9/perFull, perFull/perBase, perBase, n)
}

// TestValidatorConcurrent shares one Validator between goroutines, as the
// gateway does; run with -race.
func TestValidatorConcurrent(t *testing.T) {
	v := newTestValidator(t)
	all := append(loadFixtures(t, "valid"), loadFixtures(t, "invalid")...)
	want := make([]bool, len(all))
	for i, fx := range all {
		_, err := v.ParseStructured(fx.body)
		want[i] = err == nil
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(all))
	for range 8 {
		wg.Go(func() {
			for i, fx := range all {
				_, err := v.ParseStructured(fx.body)
				if (err == nil) != want[i] {
					errs <- fx.name
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for name := range errs {
		t.Errorf("%s: verdict differs under concurrency", name)
	}
}
