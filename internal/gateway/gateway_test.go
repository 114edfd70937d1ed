package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/apierr"
)

func TestReplayGuard(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	g := NewReplayGuard(15*time.Minute, 3)
	if err := g.Check("AK", "n1", t0, t0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, g.Check("AK", "n1", t0, t0.Add(time.Minute)), "SignatureNonceUsed")
	if err := g.Check("OTHER", "n1", t0, t0); err != nil {
		t.Fatal("nonces are per AccessKey:", err)
	}
	g.Check("AK", "n2", t0, t0) //nolint:errcheck
	g.Check("AK", "n3", t0, t0) //nolint:errcheck
	wantCode(t, g.Check("AK", "n4", t0, t0), "Throttling")
	// At the cap nothing is evicted: n1 is still refused.
	wantCode(t, g.Check("AK", "n1", t0, t0), "SignatureNonceUsed")
	// Once the timestamps leave the window the nonces are forgotten.
	later := t0.Add(16 * time.Minute)
	if err := g.Check("AK", "n4", later, later); err != nil {
		t.Fatal(err)
	}
	if err := g.Check("AK", "n1", later, later); err != nil {
		t.Fatal("an expired nonce is forgotten:", err)
	}
	g.Restore("AK", "restored", later)
	wantCode(t, g.Check("AK", "restored", later, later), "SignatureNonceUsed")
	g.Sweep(later.Add(time.Hour))
	if len(g.keys) != 0 {
		t.Fatalf("sweep left %d keys", len(g.keys))
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if e := apierr.As(err); e == nil || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestBind(t *testing.T) {
	a := &Action{Name: "X", Params: []Param{
		{Name: "S", Required: true, MaxLen: 3},
		{Name: "N", Kind: Int, Min: 1, Max: 10},
		{Name: "B", Kind: Bool},
	}}
	_, _, err := a.bind(map[string]string{})
	wantCode(t, err, "MissingParameter")
	_, _, err = a.bind(map[string]string{"S": "abcd"})
	wantCode(t, err, "InvalidParameter.S.Length")
	_, _, err = a.bind(map[string]string{"S": "a", "N": "x"})
	wantCode(t, err, "InvalidParameter.N")
	_, _, err = a.bind(map[string]string{"S": "a", "N": "11"})
	wantCode(t, err, "InvalidParameter.N")
	_, _, err = a.bind(map[string]string{"S": "a", "B": "yes"})
	wantCode(t, err, "InvalidParameter.B")
	got, ignored, err := a.bind(map[string]string{"S": "a", "N": "5", "B": "TRUE", "Extra": "1", "AccessKeyId": "x", "Format": "JSON"})
	if err != nil || got["N"] != "5" || len(ignored) != 1 || ignored[0] != "Extra" {
		t.Fatalf("bind: %v %v %v", got, ignored, err)
	}
}

func TestRegistryLookup(t *testing.T) {
	r := NewRegistry([]Action{{Product: "Ram", Version: "2015-05-01", Name: "GetRole"}})
	if _, err := r.Lookup("2015-05-01", "GetRole"); err != nil {
		t.Fatal(err)
	}
	_, err := r.Lookup("2015-05-01", "getrole")
	wantCode(t, err, "InvalidAction.NotFound")
	if !strings.Contains(apierr.As(err).Recommend, "did you mean GetRole") {
		t.Fatalf("recommend: %q", apierr.As(err).Recommend)
	}
	_, err = r.Lookup("2099-01-01", "GetRole")
	wantCode(t, err, "InvalidVersion")
	defer func() {
		if recover() == nil {
			t.Fatal("a duplicate declaration must panic")
		}
	}()
	NewRegistry([]Action{{Product: "Ram", Version: "v", Name: "A"}, {Product: "Ram", Version: "v", Name: "A"}})
}

func TestXML(t *testing.T) {
	type role struct {
		RoleName string
		Max      int64
	}
	v := struct {
		RequestID string `json:"RequestId"`
		Roles     struct {
			Role []role
		}
		IsTruncated bool
		Note        string
	}{RequestID: "R", IsTruncated: true, Note: "a<b&c"}
	v.Roles.Role = []role{{"a", 1}, {"b", 2}}
	out, err := toXML("ListRolesResponse", v)
	if err != nil {
		t.Fatal(err)
	}
	want := `<ListRolesResponse><RequestId>R</RequestId><Roles><Role><RoleName>a</RoleName><Max>1</Max></Role><Role><RoleName>b</RoleName><Max>2</Max></Role></Roles><IsTruncated>true</IsTruncated><Note>a&lt;b&amp;c</Note></ListRolesResponse>`
	if !strings.HasSuffix(string(out), want) {
		t.Fatalf("xml:\n%s\nwant suffix\n%s", out, want)
	}
}

func TestRequestIDFirst(t *testing.T) {
	out, err := json.Marshal(withRequestID(struct{ A int }{1}, "ID"))
	if err != nil || string(out) != `{"RequestId":"ID","A":1}` {
		t.Fatalf("%s %v", out, err)
	}
	out, _ = json.Marshal(withRequestID(nil, "ID"))
	if string(out) != `{"RequestId":"ID"}` {
		t.Fatalf("%s", out)
	}
	if _, err := json.Marshal(withRequestID([]int{1}, "ID")); err == nil {
		t.Fatal("a non-object result must fail")
	}
}

func TestROAPaths(t *testing.T) {
	a := &Action{Method: "GET", Path: "/api/v1/instances/{instanceId}/listDatabases"}
	params, ok := a.matchPath("GET", "/api/v1/instances/hgpostcn-cn-1/listDatabases")
	if !ok || params["instanceId"] != "hgpostcn-cn-1" {
		t.Fatalf("match: %v %v", params, ok)
	}
	for _, tc := range [][2]string{
		{"POST", "/api/v1/instances/x/listDatabases"},
		{"GET", "/api/v1/instances//listDatabases"},
		{"GET", "/api/v1/instances/x/listWarehouses"},
		{"GET", "/api/v1/instances/x/listDatabases/more"},
	} {
		if _, ok := a.matchPath(tc[0], tc[1]); ok {
			t.Errorf("%s %s matched", tc[0], tc[1])
		}
	}
	if !a.IsROA() || (&Action{}).IsROA() {
		t.Fatal("IsROA")
	}
}
