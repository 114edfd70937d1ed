package dataworks

import (
	"encoding/json"
	"testing"

	"github.com/localyun/localyun/internal/apierr"
)

// FuzzParseProperties: any ConnectionProperties or Content document is
// either refused with InvalidParameter.<param> or read into properties
// that write back as one JSON object, read again to the same text, and
// mask every secret on the way out.
func FuzzParseProperties(f *testing.F) {
	for _, seed := range []string{
		exampleProperties,
		`{"envType":"Dev","project":"p","authType":"Ak","accessId":"LTAI","accessKey":"s3cret"}`,
		`{"instanceId":"hgpostcn-cn-x","database":"db","authType":"RamRole","crossAccountOwnerId":"1","crossAccountRoleName":"r","x_password":"pw"}`,
		`{"authType":2,"accessId":"a","accessKey":"k"}`,
		`{"Project":"a","project":"b"}`,
		`{"nested":{"a":[1,2,{"b":null}]},"n":1e400}`,
		`{"project":"\ud800"}`,
		``, `null`, `[]`, `{"a":1} {}`,
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, doc string, legacy bool) {
		p, err := parseProperties("ConnectionProperties", doc, legacy)
		if err != nil {
			if e := apierr.As(err); e == nil || e.Code != "InvalidParameter.ConnectionProperties" || e.Status != 400 {
				t.Fatalf("refusal %v is not InvalidParameter.ConnectionProperties (400)", err)
			}
			return
		}
		text := p.String()
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &obj); err != nil || obj == nil {
			t.Fatalf("%q read, but writes %q, not a JSON object: %v", doc, text, err)
		}
		again, err := parseProperties("ConnectionProperties", text, legacy)
		if err != nil {
			t.Fatalf("%q read, but its output %q is refused: %v", doc, text, err)
		}
		if again.String() != text {
			t.Fatalf("not stable:\n first %s\nsecond %s", text, again.String())
		}
		secrets := p.secrets()
		masked := p.Masked()
		for k, v := range masked.secrets() {
			if v != Mask {
				t.Fatalf("masked %s is %q", k, v)
			}
		}
		if len(masked.secrets()) != len(secrets) {
			t.Fatalf("masking changed the secrets' keys: %v -> %v", secrets, masked.secrets())
		}
		if back := masked.withSecrets(secrets).String(); back != text {
			t.Fatalf("secrets restored:\n got %s\nwant %s", back, text)
		}
	})
}
