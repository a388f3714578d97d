package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	tests := []struct {
		name    string
		url     string
		wantErr bool
	}{
		{"ready", srv.URL + "/readyz", false},
		{"503", srv.URL + "/other", true},
		{"nothing listening", "http://127.0.0.1:1/", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := check(tt.url, time.Second); (err != nil) != tt.wantErr {
				t.Errorf("check(%s) = %v, wantErr %v", tt.url, err, tt.wantErr)
			}
		})
	}
}
