package gateway

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/gateway/signature"
	"github.com/localyun/localyun/internal/iam"
)

// Action declares one API operation: what it is called, the parameters it
// takes, the permission it needs and the function that serves it. Products
// register their actions as data; the gateway runs the same pipeline for
// all of them (signature, replay guard, identity, parameters, Authorize,
// audit, handler, encoding).
type Action struct {
	Product string // "Ram"
	Version string // "2015-05-01"
	Name    string // "CreateRole"
	Doc     string // one line for the coverage tables
	Params  []Param
	// Permission returns the RAM action and the resource ARN to authorize,
	// or ok=false when the action needs no RAM permission (GetCallerIdentity)
	// or decides permissions itself (AssumeRole).
	Permission func(c *Call) (action, resource string, ok bool)
	Handler    func(ctx context.Context, c *Call) (any, error)
	// Method and Path make an ROA action: the request must use that method
	// on a path matching the pattern, whose {name} segments become
	// parameters, as do the top-level members of a JSON body. RPC actions
	// leave them empty.
	Method, Path string
	// DeniedMessage replaces RAM's message of a NoPermission denial, for
	// products whose clients expect their own text.
	DeniedMessage string
}

// ParamKind is a parameter's type.
type ParamKind uint8

const (
	String ParamKind = iota
	Int
	Bool
)

// Param declares one request parameter.
type Param struct {
	Name     string
	Kind     ParamKind
	Required bool
	// MaxLen bounds a String in characters (0: DefaultMaxParamLen). Longer
	// values get InvalidParameter.<Name>.Length.
	MaxLen int
	// Min and Max bound an Int when Max > 0.
	Min, Max int64
}

// DefaultMaxParamLen bounds string parameters that declare no MaxLen.
const DefaultMaxParamLen = 8192

// Call is a request as a handler sees it: authenticated, routed, with its
// parameters checked against the declaration. Handlers never see HTTP.
type Call struct {
	RequestID string
	Caller    *iam.Identity
	SourceIP  string
	Secure    bool // the request came over HTTPS
	Time      time.Time
	Action    *Action
	params    map[string]string
}

// IsROA reports whether the action is ROA-style.
func (a *Action) IsROA() bool { return a.Path != "" }

// matchPath matches an ROA path against the action's pattern and returns
// the path parameters.
func (a *Action) matchPath(method, path string) (map[string]string, bool) {
	if method != a.Method {
		return nil, false
	}
	want := strings.Split(strings.Trim(a.Path, "/"), "/")
	got := strings.Split(strings.Trim(path, "/"), "/")
	if len(want) != len(got) {
		return nil, false
	}
	params := map[string]string{}
	for i, w := range want {
		if strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}") {
			if got[i] == "" {
				return nil, false
			}
			params[w[1:len(w)-1]] = got[i]
			continue
		}
		if w != got[i] {
			return nil, false
		}
	}
	return params, true
}

// String returns a string parameter ("" when absent).
func (c *Call) String(name string) string { return c.params[name] }

// Has reports whether a parameter was sent.
func (c *Call) Has(name string) bool {
	_, ok := c.params[name]
	return ok
}

// Int returns an Int parameter, or def when absent (already validated).
func (c *Call) Int(name string, def int64) int64 {
	v, ok := c.params[name]
	if !ok {
		return def
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// Bool returns a Bool parameter, or def when absent.
func (c *Call) Bool(name string, def bool) bool {
	v, ok := c.params[name]
	if !ok {
		return def
	}
	return strings.EqualFold(v, "true")
}

// Registry maps product versions and action names to Actions.
type Registry struct {
	versions map[string]string             // version -> product
	actions  map[string]map[string]*Action // version -> lower(name) -> action
}

// NewRegistry builds a registry. It panics on a duplicate declaration:
// declarations are code, and a duplicate is a programming error.
func NewRegistry(actions ...[]Action) *Registry {
	r := &Registry{versions: map[string]string{}, actions: map[string]map[string]*Action{}}
	for _, list := range actions {
		for i := range list {
			a := &list[i]
			if p, ok := r.versions[a.Version]; ok && p != a.Product {
				panic(fmt.Sprintf("gateway: version %s belongs to %s and %s", a.Version, p, a.Product))
			}
			r.versions[a.Version] = a.Product
			if r.actions[a.Version] == nil {
				r.actions[a.Version] = map[string]*Action{}
			}
			key := strings.ToLower(a.Name)
			if _, dup := r.actions[a.Version][key]; dup {
				panic(fmt.Sprintf("gateway: %s %s declared twice", a.Version, a.Name))
			}
			r.actions[a.Version][key] = a
		}
	}
	return r
}

// Lookup finds an action. Action names match exactly, as on the real
// gateway, but a name that differs only in case is mentioned in the error.
func (r *Registry) Lookup(version, name string) (*Action, error) {
	byName, ok := r.actions[version]
	if !ok {
		var known []string
		for v, p := range r.versions {
			known = append(known, p+" "+v)
		}
		sort.Strings(known)
		return nil, apierr.Newf(400, "InvalidVersion", "Specified parameter Version is not valid.").
			WithRecommend("version %q is not served here; localyun serves %s", version, strings.Join(known, ", "))
	}
	a, ok := byName[strings.ToLower(name)]
	if !ok || a.Name != name {
		e := apierr.New(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
		if ok {
			return nil, e.WithRecommend("did you mean %s? action names are case-sensitive", a.Name)
		}
		return nil, e.WithRecommend("%s %s has no action %q; see docs/ for the supported actions", r.versions[version], version, name)
	}
	return a, nil
}

// Actions lists every action, sorted by product, version and name, for
// the coverage tables.
func (r *Registry) Actions() []*Action {
	var out []*Action
	for _, byName := range r.actions {
		for _, a := range byName {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Product != b.Product {
			return a.Product < b.Product
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Name < b.Name
	})
	return out
}

// bind checks the request parameters against the declaration and returns
// the action's own parameters, plus the names of undeclared ones (ignored,
// and recorded in the audit trail, as the real gateway ignores them).
func (a *Action) bind(params map[string]string) (map[string]string, []string, error) {
	out := make(map[string]string, len(a.Params))
	declared := make(map[string]bool, len(a.Params))
	for _, p := range a.Params {
		declared[p.Name] = true
		v, ok := params[p.Name]
		if !ok || v == "" && p.Kind != String {
			if p.Required {
				return nil, nil, apierr.MissingParameter(p.Name)
			}
			continue
		}
		if p.Required && v == "" {
			return nil, nil, apierr.MissingParameter(p.Name)
		}
		switch p.Kind {
		case String:
			max := p.MaxLen
			if max == 0 {
				max = DefaultMaxParamLen
			}
			if utf8.RuneCountInString(v) > max {
				return nil, nil, apierr.Newf(400, "InvalidParameter."+p.Name+".Length", `The parameter - "%s" beyond the length limit.`, p.Name).
					WithRecommend("%s is at most %d characters", p.Name, max)
			}
		case Int:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, nil, apierr.Newf(400, "InvalidParameter."+p.Name, `The parameter - "%s" is invalid.`, p.Name).
					WithRecommend("%s must be an integer, got %q", p.Name, truncate(v))
			}
			if p.Max > 0 && (n < p.Min || n > p.Max) {
				return nil, nil, apierr.Newf(400, "InvalidParameter."+p.Name, `The parameter - "%s" is invalid.`, p.Name).
					WithRecommend("%s must be between %d and %d, got %d", p.Name, p.Min, p.Max, n)
			}
		case Bool:
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				return nil, nil, apierr.Newf(400, "InvalidParameter."+p.Name, `The parameter - "%s" is invalid.`, p.Name).
					WithRecommend(`%s must be "true" or "false", got %q`, p.Name, truncate(v))
			}
		}
		out[p.Name] = v
	}
	var ignored []string
	for name := range params {
		if !declared[name] && !signature.IsProtocolParam(name) && name != "Format" && name != "RegionId" {
			ignored = append(ignored, name)
		}
	}
	sort.Strings(ignored)
	return out, ignored, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
