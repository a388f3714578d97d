package jobtech

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultStreamURL is JobTech's JobStream endpoint.
const DefaultStreamURL = "https://jobstream.api.jobtechdev.se/stream"

// Fetch asks a JobStream endpoint for the ads changed since date (the
// date parameter, Swedish local time) and returns the body to be read
// with [Reader.Run]; the caller closes it. apiKey is sent as the api-key
// header when set.
func Fetch(ctx context.Context, client *http.Client, endpoint string, since time.Time, apiKey string) (io.ReadCloser, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse stream url: %w", err)
	}
	q := u.Query()
	q.Set("date", since.In(stockholm).Format("2006-01-02T15:04:05"))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build stream request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if apiKey != "" {
		req.Header.Set("api-key", apiKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u.Redacted(), err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("get %s: %s: %s", u.Redacted(), resp.Status, strings.TrimSpace(string(b)))
	}
	return resp.Body, nil
}
