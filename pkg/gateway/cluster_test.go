package gateway_test

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/bus/bustest"
	"github.com/sundflow/sundflow/pkg/gateway"
)

// newClusterEnv is a gateway in front of three nats-servers in this
// process, routed on loopback, with the streams declared R3.
func newClusterEnv(t *testing.T) *env {
	t.Helper()
	o := envOptions{publishTimeout: 5 * time.Second}
	nc, js := bustest.StartCluster(t, "gateway-test")
	e := &env{nc: nc, js: js}
	e.serve(t, o)
	return e
}

// TestClusterInProcess: on an R3 stream JetStream answers a copy of an
// event whose first copy it is still storing with error 10158 ("duplicate
// message id is in process"). The gateway used to answer 503 then; now it
// publishes again until JetStream confirms, answers 202 with the copy
// marked duplicate, and the stream holds each event once.
func TestClusterInProcess(t *testing.T) {
	e := newClusterEnv(t)

	// The same event twice in one batch: the second copy is published
	// while the first is being committed.
	var pairs []ce.Event
	for i := range 20 {
		ev := placement(t, sourceOther, i)
		pairs = append(pairs, ev, ev)
	}
	a := e.post(t, tokenAll, gateway.BatchContentType, batchBody(t, pairs...))
	if a.code != http.StatusAccepted {
		t.Fatalf("batch with each event twice: status %d, want 202; body %s", a.code, a.body)
	}
	if r := a.batch(t); r.Accepted != 20 || r.Duplicates != 20 || r.Rejected != 0 {
		t.Errorf("batch with each event twice: accepted %d, duplicates %d, rejected %d; want 20, 20, 0", r.Accepted, r.Duplicates, r.Rejected)
	}
	retries := counterValue(t, e, "sundflow_ingest_publish_in_process_retries_total")
	if retries == 0 {
		t.Error("no publish was answered 10158 and retried; the test did not reproduce the case")
	}

	// A client re-sending a batch while the first request is still being
	// stored: four identical batches at once.
	var batch []ce.Event
	for i := 100; i < 150; i++ {
		batch = append(batch, placement(t, sourceOther, i))
	}
	body := batchBody(t, batch...)
	answers := make([]answer, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() { answers[i], errs[i] = postBatch(e.url, body) })
	}
	wg.Wait()
	accepted, duplicates := 0, 0
	for i, a := range answers {
		if errs[i] != nil {
			t.Fatalf("post %d: %v", i, errs[i])
		}
		if a.code != http.StatusAccepted {
			t.Fatalf("concurrent copy %d: status %d, want 202; body %s", i, a.code, a.body)
		}
		r := a.batch(t)
		accepted += r.Accepted
		duplicates += r.Duplicates
	}
	if accepted != len(batch) || duplicates != 3*len(batch) {
		t.Errorf("four copies of %d events: accepted %d, duplicates %d; want %d and %d", len(batch), accepted, duplicates, len(batch), 3*len(batch))
	}

	if n := len(e.streamMsgs(t)); n != 20+len(batch) {
		t.Errorf("stream holds %d events, want %d, each once", n, 20+len(batch))
	}
	t.Logf("RESULT 40 copies of 20 events and 4 concurrent copies of %d events answered 202; stream holds %d; in-process retries %v",
		len(batch), 20+len(batch), counterValue(t, e, "sundflow_ingest_publish_in_process_retries_total"))
}

// postBatch posts a batch with the all-types token; safe to call from
// several goroutines.
func postBatch(baseURL string, body []byte) (answer, error) {
	req, err := http.NewRequest(http.MethodPost, baseURL+gateway.EventsPath, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", gateway.BatchContentType)
	req.Header.Set("Authorization", "Bearer "+tokenAll)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{code: resp.StatusCode, header: resp.Header, body: b}, err
}

// counterValue is the value of an unlabelled counter on the env's
// registry.
func counterValue(t *testing.T, e *env, name string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s", name)
	return 0
}
