package engine

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func equals[T any](t testing.TB, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

func errorIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v (%T) does not wrap %v", err, err, target)
	}
}

func errorAs[T error](t testing.TB, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error %v (%T) is not a %T", err, err, target)
	}
	return target
}

// newEngine opens an engine on a fresh directory and closes it at the end
// of the test.
func newEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	e, err := Open(t.TempDir(), opts)
	ok(t, err)
	t.Cleanup(func() { e.Close() })
	return e
}

// newProject opens an engine and creates project "p" in it.
func newProject(t testing.TB, opts Options) *Engine {
	t.Helper()
	e := newEngine(t, opts)
	ok(t, e.Create(ctx(t), "p"))
	return e
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func exec(t testing.TB, e *Engine, project, sql string, args ...any) int64 {
	t.Helper()
	n, err := e.Exec(ctx(t), project, sql, args...)
	ok(t, err)
	return n
}

func query(t testing.TB, e *Engine, project, sql string, args ...any) *Result {
	t.Helper()
	r, err := e.Query(ctx(t), project, sql, 0, args...)
	ok(t, err)
	return r
}

// scalar runs a query that returns one value.
func scalar(t testing.TB, e *Engine, project, sql string, args ...any) any {
	t.Helper()
	r := query(t, e, project, sql, args...)
	if len(r.Rows) != 1 || len(r.Rows[0]) != 1 {
		t.Fatalf("%s: want one value, got\n%s", sql, r)
	}
	return r.Rows[0][0]
}

// eventually polls cond for up to 10 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
