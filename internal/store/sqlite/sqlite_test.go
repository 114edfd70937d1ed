package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/localyun/localyun/internal/store"
	"github.com/localyun/localyun/internal/store/sqlite"
	"github.com/localyun/localyun/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "localyun.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// TestReopen: data and the schema version survive a restart.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "localyun.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.SetMeta("k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	db.Audit().Append(store.AuditRecord{RequestID: "r1", Event: "api"})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(ctx, func(r store.Reader) error {
		v, err := r.GetMeta("k")
		if string(v) != "v" {
			t.Errorf("meta after reopen: %q", v)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	recs, err := db.Audit().Query(ctx, "", 0, 10)
	if err != nil || len(recs) != 1 {
		t.Fatalf("audit after close and reopen: %v, %v", recs, err)
	}
}
