package demo

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// The scenario against a server with no accounts: the first step fails,
// every other step is skipped naming what it needed, and the summary says
// so. The end-to-end tests play it against a real server.
func TestPlayFailsClosed(t *testing.T) {
	var out bytes.Buffer
	env := Env{Endpoint: "127.0.0.1:1", CreateAccount: func(context.Context, string) (Account, error) {
		return Account{}, errors.New("the admin socket refused")
	}}
	r, err := Play(context.Background(), env, Options{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() {
		t.Fatal("report OK with no accounts")
	}
	f := r.FirstFailure()
	if f == nil || f.Key != "accounts" || f.Message != "the admin socket refused" {
		t.Fatalf("first failure %+v", f)
	}
	for _, res := range r.Results[1:] {
		if !res.Skipped || !strings.HasPrefix(res.Got, "skipped: needs ") {
			t.Errorf("%s %s: %+v, want skipped", res.ID, res.Key, res)
		}
	}
	text := out.String()
	for _, want := range []string{"[2.5] Account A: Test the connectivity", "STEP", "0 of 26 steps behaved", "First failure: step 0.1 accounts:"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestPlayRefusesBadOptions(t *testing.T) {
	env := Env{Endpoint: "127.0.0.1:1", CreateAccount: func(context.Context, string) (Account, error) { return Account{}, nil }}
	if _, err := Play(context.Background(), env, Options{Break: "nope"}); err == nil {
		t.Fatal("unknown break accepted")
	}
	if _, err := Play(context.Background(), Env{}, Options{}); err == nil {
		t.Fatal("empty Env accepted")
	}
	for _, b := range Breaks {
		if breakText[b] == "" {
			t.Errorf("break %s has no text", b)
		}
	}
}

func TestTeaMessage(t *testing.T) {
	for in, want := range map[string]string{
		"code: 400, The data source cannot be bound. request id: 5F52AED2": "The data source cannot be bound.",
		"plain":               "plain",
		"code: 404, no comma": "no comma",
	} {
		if got := teaMessage(in); got != want {
			t.Errorf("teaMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProperties(t *testing.T) {
	sc := &scenario{env: Env{Region: "cn-hangzhou"}, report: &Report{InstanceID: "hgpostcn-cn-x"},
		b: &clients{acct: Account{ID: "1000000000000002"}}}
	if got, want := sc.properties("maxcompute", roleName),
		`{"envType":"Prod","regionId":"cn-hangzhou","project":"b_sales","endpointMode":"SelfAdaption","authType":"RamRole","crossAccountOwnerId":"1000000000000002","crossAccountRoleName":"testRole"}`; got != want {
		t.Errorf("maxcompute:\n%s\nwant\n%s", got, want)
	}
	if got := sc.properties("hologres", roleName); !strings.Contains(got, `"instanceId":"hgpostcn-cn-x","database":"b_sales"`) {
		t.Errorf("hologres: %s", got)
	}
}
