// Package dataworksapi serves the DataWorks OpenAPI (product
// dataworks-public, RPC style) in both versions the official SDKs speak,
// 2020-05-18 (the monolithic alibaba-cloud-sdk-go, flat models, Content as
// a JSON string, data sources named by name and EnvType 0|1) and
// 2024-05-18 (the darabonba SDK, ConnectionProperties as a JSON string on
// write and an object on read, numeric ids), at the same endpoint and over
// the same records (package dataworks; reference/dataworks.md §1–§4).
//
// Each version's responses carry exactly the JSON types its SDK models
// declare, which differ between actions (HttpStatusCode is a string in
// the 2020 data source writes and a number elsewhere): the Tea SDKs
// convert strictly. The adapters translate and never decide permissions:
// every action is authorized by the gateway as dataworks:<Action> on
// acs:dataworks:<region>:<owner>:workspace/<id> (list and create actions
// on workspace/*), or on acs:dataworks:<region>:<owner>:resourcegroup/<id>
// for resource groups, with the workspace's or group's own region and
// owner when it exists, and the caller's account otherwise.
package dataworksapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/gateway"
)

// Versions served.
const (
	Version2020 = "2020-05-18"
	Version2024 = "2024-05-18"
)

// Product is the product's name in the registry; its RAM service is
// dataworks.
const Product = "DataWorks"

type api struct {
	svc *dataworks.Service
}

// Actions declares every DataWorks action of both versions. svc may be nil
// to list the declarations (the coverage table).
func Actions(svc *dataworks.Service) []gateway.Action {
	a := &api{svc: svc}
	return append(a.actions2020(), a.actions2024()...)
}

func (a *api) act(version, name, doc string, params []gateway.Param,
	perm func(*gateway.Call) string, h func(context.Context, *gateway.Call) (any, error)) gateway.Action {
	return gateway.Action{
		Product: Product, Version: version, Name: name, Doc: doc, Params: params,
		Permission: func(c *gateway.Call) (string, string, bool) { return "dataworks:" + name, perm(c), true },
		Handler:    h,
	}
}

// Parameters shared by many actions.
var (
	pRegion      = gateway.Param{Name: "RegionId", MaxLen: 64}
	pPageNumber  = gateway.Param{Name: "PageNumber", Kind: gateway.Int, Min: 1, Max: 1 << 30}
	pPageSize    = gateway.Param{Name: "PageSize", Kind: gateway.Int, Min: 1, Max: dataworks.MaxPageSize}
	pDescription = gateway.Param{Name: "Description", MaxLen: 3000}
)

// region is the region a call names (RegionId), or the default.
func (a *api) region(c *gateway.Call) string {
	if r := c.String("RegionId"); r != "" {
		return r
	}
	return a.svc.DefaultRegion()
}

// allWorkspaces is workspace/* of the caller's account in the call's
// region.
func (a *api) allWorkspaces(c *gateway.Call) string {
	return dataworks.WorkspaceARN(a.region(c), c.Caller.Account, "*")
}

// workspace is the ARN of the workspace a parameter names: its own region
// and owner when it exists (another account's is then refused by the
// gateway), else the caller's account, so the handler answers that it
// does not exist.
func (a *api) workspace(param string) func(*gateway.Call) string {
	return func(c *gateway.Call) string {
		id := c.Int(param, 0)
		if w, ok := a.svc.LookupWorkspace(context.Background(), id); ok {
			return w.ARN()
		}
		return dataworks.WorkspaceARN(a.region(c), c.Caller.Account, strconv.FormatInt(id, 10))
	}
}

// dataSource is the ARN of the workspace of the data source (or compute
// resource) a parameter names.
func (a *api) dataSource(param string) func(*gateway.Call) string {
	return func(c *gateway.Call) string {
		if w, ok := a.svc.LookupDataSource(context.Background(), c.Int(param, 0)); ok {
			return w.ARN()
		}
		return a.allWorkspaces(c)
	}
}

// allGroups is resourcegroup/* of the caller's account in the call's
// region.
func (a *api) allGroups(c *gateway.Call) string {
	return dataworks.ResourceGroupARN(a.region(c), c.Caller.Account, "*")
}

// group is the ARN of the resource group a parameter names (by id or
// 2020-05-18 identifier).
func (a *api) group(param string) func(*gateway.Call) string {
	return func(c *gateway.Call) string {
		if g, ok := a.svc.LookupResourceGroup(context.Background(), c.String(param)); ok {
			return g.ARN()
		}
		return dataworks.ResourceGroupARN(a.region(c), c.Caller.Account, c.String(param))
	}
}

// jsonParam decodes a parameter sent as JSON (the SDKs' "json" style for
// arrays and objects); absent leaves v alone.
func jsonParam(c *gateway.Call, name string, v any) error {
	raw := c.String(name)
	if raw == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return apierr.Newf(400, "InvalidParameter."+name, "The parameter \"%s\" is invalid: it is not the JSON the API takes (%v).", name, err).
			WithRecommend("send %s as JSON, e.g. %s", name, jsonExample(name))
	}
	return nil
}

func jsonExample(name string) string {
	switch name {
	case "Ids":
		return "[10001,10002]"
	case "Names", "ResourceGroupTypes", "Statuses", "Tags":
		if name == "Tags" {
			return `[{"Key":"env","Value":"test"}] (or, for ListDataSources, ["tag1","tag2"])`
		}
		return `["a","b"]`
	}
	return `[{"Key":"env","Value":"test"}]`
}

// tags decodes a tag list parameter.
func tags(c *gateway.Call, name string) ([]dataworks.Tag, error) {
	var out []dataworks.Tag
	if err := jsonParam(c, name, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// hasTags reports whether have holds every tag of want.
func hasTags(have, want []dataworks.Tag) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h.Key == w.Key && (w.Value == "" || h.Value == w.Value)
		}
		if !found {
			return false
		}
	}
	return true
}

// tagList is never null on the wire.
func tagList(t []dataworks.Tag) []dataworks.Tag {
	if t == nil {
		return []dataworks.Tag{}
	}
	return t
}

// page returns the offset and size of a paged call.
func page(c *gateway.Call, defSize int64) (offset, size int64) {
	number, size := c.Int("PageNumber", 1), c.Int("PageSize", defSize)
	return (number - 1) * size, size
}

// window returns the part of n items a page shows.
func window(n int, offset, size int64) (int, int) {
	lo := min(int(offset), n)
	return lo, min(lo+int(size), n)
}

// gmt formats times the way the 2020-05-18 API does: "Dec 3, 2019 9:12:20 PM".
func gmt(t time.Time) string { return t.UTC().Format("Jan 2, 2006 3:04:05 PM") }

// millis is a 2024-05-18 timestamp: milliseconds since the epoch.
func millis(t time.Time) int64 { return t.UnixMilli() }

// splitList splits a comma-joined ("simple" style) list.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// invalidf is InvalidParameter.<param> with why.
func invalidf(param, why string, args ...any) *apierr.Error {
	return apierr.Newf(400, "InvalidParameter."+param, "The parameter \"%s\" is invalid: %s", param, fmt.Sprintf(why, args...))
}

// missingEither is MissingParameter for a call that needs one of two.
func missingEither(a, b string) *apierr.Error {
	return apierr.MissingParameter(a).WithRecommend("give %s or %s", a, b)
}
