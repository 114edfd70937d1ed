package dataworks

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParsePropertiesErrors(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want string
	}{
		{``, "it is empty"},
		{`{"project":`, "not valid JSON"},
		{`{"project":"p",}`, "not valid JSON"},
		{`[1,2]`, "not an object"},
		{`"text"`, "not an object"},
		{`null`, "null, not an object"},
		{`{"a":1} {"b":2}`, "more than one JSON value"},
		{`{"crossAccountOwnerId":1234567890123456}`, "crossAccountOwnerId must be a JSON string, not a number"},
		{`{"envType":true}`, "envType must be a JSON string, not a boolean"},
		{`{"project":["p"]}`, "project must be a JSON string, not an array"},
		{`{"regionId":{"id":"x"}}`, "regionId must be a JSON string, not an object"},
		{`{"authType":2}`, "authType must be a JSON string, not a number"},
		{`{"project":"a","Project":"b"}`, "project is given twice"},
		{`{"apiSecret":5}`, "apiSecret must be a JSON string"},
	} {
		_, err := parseProperties("ConnectionProperties", tc.doc, false)
		wantCode(t, err, "InvalidParameter.ConnectionProperties", tc.want)
	}
}

func TestParsePropertiesRoundTrip(t *testing.T) {
	doc := `{"RegionId":"cn-shanghai","EnvType":"Prod","project":"p1","authType":"RamRole","crossAccountOwnerId":"2000000000000002",
		"crossAccountRoleName":"testRole","tag":"public","password":"pw","x_token":"tok","nested":{"a":[1,2]},"nothing":null}`
	p, err := parseProperties("ConnectionProperties", doc, false)
	if err != nil {
		t.Fatal(err)
	}
	if p.RegionID != "cn-shanghai" || p.EnvType != "Prod" || p.CrossAccountRoleName != "testRole" || p.Password != "pw" {
		t.Fatalf("parsed: %+v", p)
	}
	got := p.String()
	want := `{"envType":"Prod","regionId":"cn-shanghai","project":"p1","authType":"RamRole","crossAccountOwnerId":"2000000000000002",` +
		`"crossAccountRoleName":"testRole","password":"pw","nested":{"a":[1,2]},"nothing":null,"tag":"public","x_token":"tok"}`
	if got != want {
		t.Fatalf("marshal:\n got %s\nwant %s", got, want)
	}
	masked := p.Masked().String()
	if strings.Contains(masked, `"pw"`) || strings.Contains(masked, `"tok"`) || strings.Count(masked, Mask) != 2 {
		t.Fatalf("masked: %s", masked)
	}
	secrets := p.secrets()
	if len(secrets) != 2 || secrets["password"] != "pw" || secrets["x_token"] != "tok" {
		t.Fatalf("secrets: %v", secrets)
	}
	back := p.Masked().withSecrets(secrets)
	if back.String() != want {
		t.Fatalf("withSecrets: %s", back.String())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(masked), &m); err != nil {
		t.Fatal(err)
	}
	// Legacy Content: a numeric authType with an AccessKey pair.
	p, err = parseProperties("Content", `{"accessId":"id","accessKey":"k","authType":2,"endpoint":"http://service.odps.aliyun.com/api","project":"p1","tag":"public"}`, true)
	if err != nil || p.AuthType != "legacy:2" {
		t.Fatalf("legacy: %+v %v", p, err)
	}
}

func TestSuggestName(t *testing.T) {
	for in, want := range map[string]string{"my-source": "my_source", "1abc": "ds_1abc", "_x": "ds__x", "数据": "ds___"} {
		if got := suggestName(in); got != want {
			t.Errorf("suggestName(%q) = %q, want %q", in, got, want)
		}
		if checkName("Name", suggestName(in)) != nil {
			t.Errorf("suggestName(%q) = %q does not pass", in, suggestName(in))
		}
	}
}
