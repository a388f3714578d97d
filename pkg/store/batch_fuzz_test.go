package store_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/store"
	"github.com/sundflow/sundflow/pkg/store/storetest"
)

// FuzzBatchAdd feeds arbitrary data to the mapping of every type: it
// never panics, and it either adds exactly one row or refuses with
// ErrUnmappable, leaving the batch as it was.
func FuzzBatchAdd(f *testing.F) {
	for _, e := range storetest.NewScenario(3, 200).Events[:40] {
		f.Add(uint8(slices.Index(event.Types, event.Type(e.Type()))), []byte(e.Data()))
	}
	f.Add(uint8(5), []byte(`{"start":"1969-12-31"}`))
	f.Add(uint8(3), []byte(`{"person":{},"employer":{}}`))
	f.Add(uint8(4), []byte(`{"hours":1e400}`))
	f.Add(uint8(1), []byte(`null`))
	f.Fuzz(func(t *testing.T, typ uint8, data []byte) {
		if !json.Valid(data) {
			return // the validator rejects it before mapping
		}
		ty := event.Types[int(typ)%len(event.Types)]
		e, err := event.New(ty, "urn:fuzz", "id-1", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), json.RawMessage(data))
		if err != nil {
			return
		}
		b := store.NewBatch()
		err = b.Add(e, store.Meta{Subject: ty.Subject(), Seq: 1, Received: time.Now()})
		switch {
		case err == nil && b.Len() != 1:
			t.Fatalf("added without error but Len() = %d", b.Len())
		case err == nil && (b.Rows() != 2 || b.Tables() != 2):
			// the raw table's row and the typed table's
			t.Fatalf("added without error but Rows() = %d, Tables() = %d; want 2, 2", b.Rows(), b.Tables())
		case err != nil && !errors.Is(err, store.ErrUnmappable):
			t.Fatalf("Add() = %v, want nil or ErrUnmappable", err)
		case err != nil && (b.Len() != 0 || b.Rows() != 0 || b.Tables() != 0):
			t.Fatalf("refused but Len() = %d, Rows() = %d, Tables() = %d", b.Len(), b.Rows(), b.Tables())
		}
	})
}
