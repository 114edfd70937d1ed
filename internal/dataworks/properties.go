package dataworks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Properties is a data source's connection properties: the 2024-05-18
// ConnectionProperties document (reference/dataworks.md §2.3–§2.5), typed.
// Keys localyun does not interpret are kept, as given, in Extra.
//
// Property names are matched case-insensitively on input (the compute
// resource documentation writes them "RegionId", the data source
// documentation "regionId") and written in the data source
// documentation's spelling.
type Properties struct {
	EnvType              string // "Dev" or "Prod"
	RegionID             string
	AuthType             string // Executor, TaskOwner, PrimaryAccount, SubAccount, RamRole, Ak
	AuthIdentity         string // same account: RAM user id (SubAccount) or RoleId (RamRole)
	CrossAccountOwnerID  string
	CrossAccountRoleName string
	AccessID             string
	AccessKey            string // secret
	Username             string
	Password             string // secret

	// MaxCompute.
	Project      string
	EndpointMode string // SelfAdaption or Custom
	Endpoint     string
	TunnelServer string

	// Hologres.
	InstanceID       string // an instance id or name
	Database         string
	WarehouseName    string
	SecurityProtocol string // authTypeNone or authTypeSsl
	SSLMode          string

	// Extra holds the keys localyun does not interpret, as JSON.
	Extra map[string]json.RawMessage
}

// Mask replaces a secret on every read.
const Mask = "******"

// property binds a canonical key to its field.
type property struct {
	key    string
	field  func(*Properties) *string
	secret bool
}

// properties are the known keys, in the order they are written.
var properties = []property{
	{"envType", func(p *Properties) *string { return &p.EnvType }, false},
	{"regionId", func(p *Properties) *string { return &p.RegionID }, false},
	{"project", func(p *Properties) *string { return &p.Project }, false},
	{"instanceId", func(p *Properties) *string { return &p.InstanceID }, false},
	{"database", func(p *Properties) *string { return &p.Database }, false},
	{"warehouseName", func(p *Properties) *string { return &p.WarehouseName }, false},
	{"endpointMode", func(p *Properties) *string { return &p.EndpointMode }, false},
	{"endpoint", func(p *Properties) *string { return &p.Endpoint }, false},
	{"tunnelServer", func(p *Properties) *string { return &p.TunnelServer }, false},
	{"authType", func(p *Properties) *string { return &p.AuthType }, false},
	{"authIdentity", func(p *Properties) *string { return &p.AuthIdentity }, false},
	{"crossAccountOwnerId", func(p *Properties) *string { return &p.CrossAccountOwnerID }, false},
	{"crossAccountRoleName", func(p *Properties) *string { return &p.CrossAccountRoleName }, false},
	{"accessId", func(p *Properties) *string { return &p.AccessID }, false},
	{"accessKey", func(p *Properties) *string { return &p.AccessKey }, true},
	{"username", func(p *Properties) *string { return &p.Username }, false},
	{"password", func(p *Properties) *string { return &p.Password }, true},
	{"securityProtocol", func(p *Properties) *string { return &p.SecurityProtocol }, false},
	{"sslMode", func(p *Properties) *string { return &p.SSLMode }, false},
}

var propertyByLower = func() map[string]*property {
	m := map[string]*property{}
	for i := range properties {
		m[strings.ToLower(properties[i].key)] = &properties[i]
	}
	return m
}()

// isSecretKey reports whether an uninterpreted key holds a secret: it is
// sealed and masked like accessKey and password.
func isSecretKey(key string) bool {
	k := strings.ToLower(key)
	if k == "accessid" {
		return false
	}
	for _, s := range [...]string{"password", "secret", "accesskey", "token", "credential"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// maxProperties bounds the keys of one document.
const maxProperties = 64

// parseProperties decodes a ConnectionProperties (or 2020 Content)
// document. param names the parameter in errors. legacy accepts the 2020
// Content spellings: a numeric authType, meaning AccessKey access when an
// accessId is given.
func parseProperties(param, doc string, legacy bool) (Properties, error) {
	var p Properties
	doc = strings.TrimSpace(doc)
	if doc == "" {
		return p, invalid(param, "it is empty").WithRecommend("send a JSON object, e.g. %s", exampleProperties)
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return p, invalid(param, "it is a JSON %s, not an object", te.Value).WithRecommend("send a JSON object, e.g. %s", exampleProperties)
		}
		return p, invalid(param, "it is not valid JSON (%s)", jsonErrorText(err, doc)).WithRecommend("send a JSON object, e.g. %s", exampleProperties)
	}
	if dec.More() {
		return p, invalid(param, "it holds more than one JSON value").WithRecommend("send one JSON object")
	}
	if raw == nil {
		return p, invalid(param, "it is null, not an object").WithRecommend("send a JSON object, e.g. %s", exampleProperties)
	}
	if len(raw) > maxProperties {
		return p, invalid(param, "it has %d keys, more than %d", len(raw), maxProperties)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]string{}
	for _, k := range keys {
		v := bytes.TrimSpace(raw[k])
		prop, known := propertyByLower[strings.ToLower(k)]
		if !known {
			if isSecretKey(k) && !isJSONString(v) && string(v) != "null" {
				return p, invalid(param, "%s must be a JSON string, not %s", k, jsonKind(v))
			}
			if p.Extra == nil {
				p.Extra = map[string]json.RawMessage{}
			}
			p.Extra[k] = append(json.RawMessage(nil), v...)
			continue
		}
		if other, dup := seen[prop.key]; dup {
			return p, invalid(param, "%s is given twice (%s and %s)", prop.key, other, k)
		}
		seen[prop.key] = k
		if string(v) == "null" {
			continue
		}
		if !isJSONString(v) {
			if legacy && prop.key == "authType" && jsonKind(v) == "a number" {
				// The 2020 Content examples write "authType": 2 with an
				// AccessKey pair; localyun reads it as AccessKey access.
				p.AuthType = "legacy:" + string(v)
				continue
			}
			return p, invalid(param, "%s must be a JSON string, not %s", prop.key, jsonKind(v)).
				WithRecommend(`write it in quotes, e.g. "%s": "%s"`, prop.key, strings.Trim(string(v), `"`))
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return p, invalid(param, "%s is not a valid JSON string", prop.key)
		}
		*prop.field(&p) = strings.TrimSpace(s)
	}
	return p, nil
}

// exampleProperties is shown when a document cannot be read.
const exampleProperties = `{"envType":"Prod","regionId":"cn-hangzhou","project":"my_project","endpointMode":"SelfAdaption","authType":"RamRole","crossAccountOwnerId":"<uid>","crossAccountRoleName":"<role name>"}`

// jsonErrorText says where a document stops being JSON.
func jsonErrorText(err error, doc string) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	}
	if err.Error() == "unexpected EOF" {
		return fmt.Sprintf("it ends early, after %d bytes", len(doc))
	}
	return err.Error()
}

func isJSONString(v []byte) bool { return len(v) > 0 && v[0] == '"' }

// jsonKind names the JSON type of a value, for errors.
func jsonKind(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// secrets returns the secret values of p: accessKey, password and the
// uninterpreted keys that look like secrets.
func (p *Properties) secrets() map[string]string {
	out := map[string]string{}
	for i := range properties {
		if pr := &properties[i]; pr.secret && *pr.field(p) != "" {
			out[pr.key] = *pr.field(p)
		}
	}
	for k, v := range p.Extra {
		if isSecretKey(k) {
			var s string
			if json.Unmarshal(v, &s) == nil && s != "" {
				out[k] = s
			}
		}
	}
	return out
}

// withSecrets returns p with its secrets replaced: by the values in
// secrets, or removed when secrets is nil.
func (p Properties) withSecrets(secrets map[string]string) Properties {
	for i := range properties {
		if pr := &properties[i]; pr.secret {
			*pr.field(&p) = secrets[pr.key]
		}
	}
	if len(p.Extra) > 0 {
		extra := make(map[string]json.RawMessage, len(p.Extra))
		for k, v := range p.Extra {
			if isSecretKey(k) {
				s, ok := secrets[k]
				switch {
				case ok:
					v, _ = json.Marshal(s)
				case !emptySecret(v):
					continue
				}
			}
			extra[k] = v
		}
		p.Extra = extra
	}
	return p
}

// emptySecret reports whether a secret-looking key holds nothing secret
// ("" or null): such a key is kept as it is rather than masked or dropped.
func emptySecret(v json.RawMessage) bool {
	var s *string
	return json.Unmarshal(v, &s) == nil && (s == nil || *s == "")
}

// Masked returns p with every secret replaced by Mask.
func (p Properties) Masked() Properties {
	m := p.secrets()
	for k := range m {
		m[k] = Mask
	}
	return p.withSecrets(m)
}

// MarshalJSON writes the known keys in a fixed order, then the others
// sorted, leaving out empty values.
func (p Properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	write := func(k string, v []byte) {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(v)
	}
	for i := range properties {
		if v := *properties[i].field(&p); v != "" {
			vb, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			write(properties[i].key, vb)
		}
	}
	keys := make([]string, 0, len(p.Extra))
	for k := range p.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var compact bytes.Buffer
		if err := json.Compact(&compact, p.Extra[k]); err != nil {
			return nil, err
		}
		write(k, compact.Bytes())
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// String is p as JSON text.
func (p Properties) String() string {
	data, _ := json.Marshal(p)
	return string(data)
}
