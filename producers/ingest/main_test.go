package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/gateway"
)

const testToken = "ingest-test-token-0123456789abcdef"

// buildGateway compiles this program once per test into a temp dir.
func buildGateway(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ingest")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func writeTokens(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	body := "tokens:\n  - name: test\n    token_sha256: " + auth.HashToken(testToken) +
		"\n    source_prefixes: [\"*\"]\n    types: [\"*\"]\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// gatewayProc is the gateway running as a child process.
type gatewayProc struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer // stderr, JSON lines
	mu   *sync.Mutex
	done chan error
}

// startGateway runs the binary and waits for its "listening" log line.
func startGateway(t *testing.T, bin string, args ...string) *gatewayProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &gatewayProc{cmd: cmd, logs: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Bytes()
			p.mu.Lock()
			p.logs.Write(line)
			p.logs.WriteByte('\n')
			p.mu.Unlock()
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "ingest gateway listening" {
				addr <- rec.Addr
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case a := <-addr:
		p.url = "http://" + a
	case err := <-p.done:
		t.Fatalf("gateway exited before listening: %v\n%s", err, p.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("gateway not listening after 30s:\n%s", p.logText())
	}
	return p
}

func (p *gatewayProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func synthPlacement(t *testing.T, worker, n int) []byte {
	t.Helper()
	key := strconv.Itoa(worker) + "-" + strconv.Itoa(n)
	sum := sha256.Sum256([]byte("synthetic-person-" + key))
	e, err := event.New(event.PlacementStarted, "urn:sundflow:source:test:worker-"+strconv.Itoa(worker), "placement-"+key,
		time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC), event.PlacementStartedData{
			PlacementID:  "placement-" + key,
			Person:       event.Person{Pseudonym: hex.EncodeToString(sum[:]), Residence: event.Place{Country: "SE", Municipality: "1283"}},
			Workplace:    event.Place{Country: "DK", Municipality: "217"},
			Employer:     event.Employer{Country: "DK", RegistrationNumber: "12345678", Name: "Syntetisk Pleje ApS"},
			Sector:       event.SectorHealthCare,
			Occupation:   event.Occupation{ISCO: "5322"},
			Kind:         "ordinary_job",
			StatusBefore: "insured_unemployed",
			Start:        "2024-03-01",
		})
	if err != nil {
		t.Fatal(err)
	}
	b, err := event.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// load posts batches from several workers until the gateway stops
// answering, and records the message ids of every batch answered 2xx.
type load struct {
	mu       sync.Mutex
	acked    map[string]bool
	batches  int // answered 2xx
	noAnswer int // connection refused or cut
	non2xx   int // answered, but not 2xx
}

func (l *load) run(t *testing.T, url string, workers, batchSize int, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for w := range workers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				var body bytes.Buffer
				ids := make([]string, batchSize)
				body.WriteByte('[')
				for i := range batchSize {
					if i > 0 {
						body.WriteByte(',')
					}
					k := n*batchSize + i
					body.Write(synthPlacement(t, w, k))
					ids[i] = event.MessageID("urn:sundflow:source:test:worker-"+strconv.Itoa(w), "placement-"+strconv.Itoa(w)+"-"+strconv.Itoa(k))
				}
				body.WriteByte(']')
				req, _ := http.NewRequest(http.MethodPost, url+gateway.EventsPath, &body)
				req.Header.Set("Content-Type", gateway.BatchContentType)
				req.Header.Set("Authorization", "Bearer "+testToken)
				resp, err := client.Do(req)
				if err != nil {
					l.mu.Lock()
					l.noAnswer++
					l.mu.Unlock()
					return // the gateway is gone
				}
				raw, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				l.mu.Lock()
				switch {
				case rerr != nil:
					l.noAnswer++
				case resp.StatusCode/100 == 2:
					var r gateway.BatchResult
					if err := json.Unmarshal(raw, &r); err != nil || r.Accepted+r.Duplicates != batchSize {
						t.Errorf("2xx answer does not store the whole batch: %s", raw)
					}
					for _, id := range ids {
						l.acked[id] = true
					}
					l.batches++
				default:
					l.non2xx++
					t.Errorf("answer %d: %s", resp.StatusCode, raw)
				}
				l.mu.Unlock()
			}
		})
	}
	return &wg
}

func (l *load) ackedBatches() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.batches
}

// TestStopMidBatch stops the gateway while several clients post batches,
// by SIGKILL (a crash) and by SIGTERM (a deploy), with an external and
// with the embedded nats-server, and checks that every event of every
// batch answered 2xx is in the stream afterwards.
func TestStopMidBatch(t *testing.T) {
	bin := buildGateway(t)
	tests := []struct {
		name     string
		embedded bool
		sig      syscall.Signal
	}{
		{"SIGKILL, external nats-server", false, syscall.SIGKILL},
		{"SIGKILL, embedded nats-server", true, syscall.SIGKILL},
		{"SIGTERM, external nats-server", false, syscall.SIGTERM},
		{"SIGTERM, embedded nats-server", true, syscall.SIGTERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := t.TempDir()
			args := []string{"serve", "--tokens-file", writeTokens(t), "--listen", "127.0.0.1:0", "--log-format", "json"}
			var natsURL string
			if tt.embedded {
				args = append(args, "--nats-store", store, "--nats-port=-1")
			} else {
				ns, err := bus.StartServer(bus.ServerConfig{StoreDir: store, Port: -1})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
				natsURL = ns.ClientURL()
				args = append(args, "--nats-url", natsURL)
			}
			p := startGateway(t, bin, args...)

			l := &load{acked: map[string]bool{}}
			stop := make(chan struct{})
			wg := l.run(t, p.url, 4, 250, stop)
			waitFor(t, "20 acknowledged batches", func() bool { return l.ackedBatches() >= 20 })
			if err := p.cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			exitErr := <-p.done
			close(stop)
			wg.Wait()

			if tt.sig == syscall.SIGTERM {
				if exitErr != nil {
					t.Errorf("gateway exited with %v after SIGTERM\n%s", exitErr, p.logText())
				}
				if !strings.Contains(p.logText(), `"msg":"ingest gateway stopped"`) {
					t.Errorf("no clean stop in the log:\n%s", p.logText())
				}
			}

			if tt.embedded {
				ns, err := bus.StartServer(bus.ServerConfig{StoreDir: store, Port: -1})
				if err != nil {
					t.Fatalf("reopen the embedded store: %v", err)
				}
				t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
				natsURL = ns.ClientURL()
			}
			stored := storedIDs(t, natsURL)
			missing := 0
			for id := range l.acked {
				if !stored[id] {
					missing++
				}
			}
			t.Logf("%d batches answered 2xx (%d events), %d not answered; %d events in the stream",
				l.batches, len(l.acked), l.noAnswer, len(stored))
			if missing > 0 {
				t.Errorf("%d events answered 2xx are not in the stream", missing)
			}
			if len(l.acked) == 0 {
				t.Error("no batch was acknowledged; the test proved nothing")
			}
		})
	}
}

// storedIDs reads every Nats-Msg-Id in the events stream.
func storedIDs(t *testing.T, url string) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nc, js, err := bus.Connect(ctx, bus.ConnConfig{URL: url, Name: "ingest-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// The stream may still be recovering right after a restart.
	var s jetstream.Stream
	waitFor(t, "the events stream", func() bool {
		s, err = js.Stream(ctx, bus.EventsStream)
		return err == nil
	})
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for uint64(len(ids)) < info.State.Msgs {
		batch, err := c.FetchNoWait(1000)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			id := m.Headers().Get(jetstream.MsgIDHeader)
			if ids[id] {
				t.Errorf("event %s stored twice", id)
			}
			ids[id] = true
		}
		if got == 0 {
			if ctx.Err() != nil {
				t.Fatalf("read %d of %d messages: %v", len(ids), info.State.Msgs, ctx.Err())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return ids
}

// waitFor polls cond until it holds or 60s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
