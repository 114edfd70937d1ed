package dataworksapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/dataworksapi"
	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/gateway/signature"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store/sqlite"
)

// These tests drive the adapters in process, through a real gateway with
// V1 signatures: the shapes and JSON types of the answers, XML, and the
// declarations. test/e2e drives them through the official SDKs.

type keys struct{ iam *iam.Service }

func (k keys) Resolve(ctx context.Context, id, token string) (*iam.Identity, string, error) {
	c, err := k.iam.LookupAccessKey(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return &c.Identity, c.Secret, nil
}

type harness struct {
	t     *testing.T
	gw    *gateway.Gateway
	creds signature.Credentials
	n     int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	master := bytes.Repeat([]byte{1}, 32)
	ident, err := iam.New(ctx, iam.Options{Store: db, MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := ident.CreateAccount(ctx, "dw-unit")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := dataworks.New(dataworks.Options{Store: db, MasterKey: master, Connector: noConnector{}})
	if err != nil {
		t.Fatal(err)
	}
	gw := gateway.New(gateway.Options{Registry: gateway.NewRegistry(dataworksapi.Actions(svc)), Resolver: keys{ident},
		IAM: ident, Audit: db.Audit()})
	return &harness{t: t, gw: gw, creds: signature.Credentials{AccessKeyID: key.ID, AccessKeySecret: key.Secret}}
}

// call sends a V1-signed request with the parameters in the query.
func (h *harness) call(method, version, action string, params map[string]string, format string) (int, []byte) {
	h.t.Helper()
	q := url.Values{"Action": {action}, "Version": {version}, "Format": {format}}
	for k, v := range params {
		q.Set(k, v)
	}
	r := &signature.Request{Method: method, Path: "/", RawQuery: q.Encode(), Host: "localhost", Header: map[string][]string{}}
	h.n++
	if err := signature.SignV1(r, h.creds, time.Now(), fmt.Sprintf("nonce-%d", h.n)); err != nil {
		h.t.Fatal(err)
	}
	req := httptest.NewRequest(method, "/?"+r.RawQuery, nil)
	rec := httptest.NewRecorder()
	h.gw.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func (h *harness) ok(method, version, action string, params map[string]string) map[string]any {
	h.t.Helper()
	code, body := h.call(method, version, action, params, "JSON")
	if code != http.StatusOK {
		h.t.Fatalf("%s %s: %d %s", version, action, code, body)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		h.t.Fatal(err)
	}
	return m
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "s"
	case json.Number:
		return "n"
	case bool:
		return "b"
	case map[string]any:
		return "o"
	case []any:
		return "a"
	}
	return "?"
}

func TestWireTypes(t *testing.T) {
	h := newHarness(t)
	ws := h.ok("POST", dataworksapi.Version2024, "CreateProject", map[string]string{"Name": "unit_ws", "DisplayName": "u", "DevEnvironmentEnabled": "true"})
	id := fmt.Sprint(ws["Id"])
	props := `{"envType":"Prod","project":"b_prj","authType":"RamRole","crossAccountOwnerId":"1234567890123456","crossAccountRoleName":"testRole"}`
	c20 := h.ok("POST", dataworksapi.Version2020, "CreateDataSource", map[string]string{"ProjectId": id, "Name": "src", "DataSourceType": "odps",
		"EnvType": "1", "Content": props})
	dsID := fmt.Sprint(c20["Data"])
	for _, tc := range []struct {
		method, version, action string
		params                  map[string]string
		path                    []string // to the object checked
		want                    map[string]string
	}{
		{"POST", dataworksapi.Version2020, "CreateDataSource", map[string]string{"ProjectId": id, "Name": "src", "DataSourceType": "odps", "EnvType": "0",
			"Content": strings.Replace(props, "Prod", "Dev", 1)}, nil, map[string]string{"HttpStatusCode": "s", "Data": "n", "Success": "b"}},
		{"PUT", dataworksapi.Version2020, "UpdateDataSource", map[string]string{"DataSourceId": dsID, "EnvType": "1", "Content": props},
			nil, map[string]string{"HttpStatusCode": "s", "Data": "b"}},
		{"GET", dataworksapi.Version2020, "ListDataSources", map[string]string{"ProjectId": id}, nil, map[string]string{"HttpStatusCode": "n", "Data": "o"}},
		{"POST", dataworksapi.Version2020, "GetProject", map[string]string{"ProjectId": id}, []string{"Data"},
			map[string]string{"ProjectId": "n", "TenantId": "n", "EnvTypes": "a", "ProjectMode": "n", "DisableDevelopment": "b"}},
		{"GET", dataworksapi.Version2024, "GetDataSource", map[string]string{"Id": dsID}, []string{"DataSource"},
			map[string]string{"ConnectionProperties": "o", "CreateTime": "n", "Id": "n", "ProjectId": "n", "QualifiedName": "s"}},
		{"GET", dataworksapi.Version2024, "ListDataSources", map[string]string{"ProjectId": id}, []string{"PagingInfo"},
			map[string]string{"DataSources": "a", "PageNumber": "n", "TotalCount": "n"}},
		{"POST", dataworksapi.Version2024, "ListProjects", nil, []string{"PagingInfo"}, map[string]string{"Projects": "a", "TotalCount": "n"}},
		{"GET", dataworksapi.Version2024, "ListResourceGroups", nil, []string{"PagingInfo"}, map[string]string{"ResourceGroupList": "a", "TotalCount": "n"}},
		{"POST", dataworksapi.Version2020, "ListResourceGroups", nil, nil, map[string]string{"HttpStatusCode": "n", "Data": "a"}},
	} {
		m := h.ok(tc.method, tc.version, tc.action, tc.params)
		var v any = m
		for _, p := range tc.path {
			v = v.(map[string]any)[p]
		}
		obj := v.(map[string]any)
		for k, want := range tc.want {
			if got := kind(obj[k]); got != want {
				t.Errorf("%s %s: %s is %s (%v), want %s", tc.version, tc.action, k, got, obj[k], want)
			}
		}
	}
	// The grouped 2024 list holds both environments under one name.
	l := h.ok("GET", dataworksapi.Version2024, "ListDataSources", map[string]string{"ProjectId": id})
	groups := l["PagingInfo"].(map[string]any)["DataSources"].([]any)
	if len(groups) != 1 || len(groups[0].(map[string]any)["DataSource"].([]any)) != 2 {
		t.Fatalf("grouped list: %v", l)
	}
}

func TestXMLFormat(t *testing.T) {
	h := newHarness(t)
	ws := h.ok("POST", dataworksapi.Version2024, "CreateProject", map[string]string{"Name": "unit_ws", "DisplayName": "u"})
	d := h.ok("POST", dataworksapi.Version2024, "CreateDataSource", map[string]string{"ProjectId": fmt.Sprint(ws["Id"]), "Name": "src", "Type": "hologres",
		"ConnectionProperties": `{"envType":"Prod","instanceId":"i1","database":"d","authType":"Ak","accessId":"id","accessKey":"secret-xyz"}`})
	code, body := h.call("GET", dataworksapi.Version2024, "GetDataSource", map[string]string{"Id": fmt.Sprint(d["Id"])}, "XML")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var v struct {
		DataSource struct {
			Type                 string
			ConnectionProperties struct {
				InstanceID string `xml:"instanceId"`
				AccessKey  string `xml:"accessKey"`
			}
		}
	}
	if err := xml.Unmarshal(body, &v); err != nil || v.DataSource.Type != "hologres" || v.DataSource.ConnectionProperties.InstanceID != "i1" ||
		v.DataSource.ConnectionProperties.AccessKey != dataworks.Mask || bytes.Contains(body, []byte("secret-xyz")) {
		t.Fatalf("XML: %v %s", err, body)
	}
	// Errors too.
	code, body = h.call("GET", dataworksapi.Version2024, "GetDataSource", map[string]string{"Id": "7"}, "XML")
	if code != 404 || !bytes.Contains(body, []byte("<Code>Invalid.Tenant.ConnectionNotExists</Code>")) {
		t.Fatalf("XML error: %d %s", code, body)
	}
}

func TestDeclarations(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range dataworksapi.Actions(nil) {
		if a.Product != dataworksapi.Product || a.Permission == nil || a.Handler == nil || a.Doc == "" || strings.Contains(a.Doc, "|") {
			t.Errorf("%s %s: incomplete declaration", a.Version, a.Name)
		}
		if seen[a.Version+a.Name] {
			t.Errorf("%s %s declared twice", a.Version, a.Name)
		}
		seen[a.Version+a.Name] = true
	}
	for _, want := range []string{"2020-05-18CreateDataSource", "2020-05-18TestNetworkConnection", "2024-05-18TestDataSourceConnectivity",
		"2024-05-18CreateComputeResource", "2024-05-18AssociateProjectToResourceGroup"} {
		if !seen[want] {
			t.Errorf("%s is not declared", want)
		}
	}
}

// noConnector answers every test Unsupport: these tests check the wire,
// not the connector (package connectivity has its own).
type noConnector struct{}

func (noConnector) TestConnectivity(ctx context.Context, ds dataworks.DataSource, group string) (dataworks.Connectivity, error) {
	return dataworks.Connectivity{State: dataworks.Unsupport, Message: "no connector in this test"}, nil
}

func (noConnector) PreviewTable(ctx context.Context, ds dataworks.DataSource, group, table string, limit int) (dataworks.Preview, error) {
	return dataworks.Preview{}, nil
}
