package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/maxcompute"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/localyun/localyun/internal/maxcompute/odpsauth"
	"github.com/localyun/localyun/internal/odpsclient"
)

// The clients of one account, all pointed at the server's HTTP address:
// the monolithic SDK for RAM and MaxCompute's control API, the darabonba
// client for Hologres (ROA) and DataWorks 2024-05-18 (RPC), the ODPS REST
// client for MaxCompute SQL and pgx for Hologres SQL.
type clients struct {
	acct       Account
	endpoint   string // host:port
	region     string
	ram        *ram.Client
	maxcompute *maxcompute.Client
	dara       *openapi.Client
}

func newClients(acct Account, endpoint, region string) (*clients, error) {
	cfg := sdk.NewConfig().WithTimeout(60 * time.Second).WithAutoRetry(false)
	cred := credentials.NewAccessKeyCredential(acct.AccessKeyID, acct.AccessKeySecret)
	r, err := ram.NewClientWithOptions(region, cfg, cred)
	if err != nil {
		return nil, err
	}
	r.Domain = endpoint
	mc, err := maxcompute.NewClientWithOptions(region, cfg, cred)
	if err != nil {
		return nil, err
	}
	mc.Domain = endpoint
	d, err := openapi.NewClient(&openapiutil.Config{AccessKeyId: dara.String(acct.AccessKeyID), AccessKeySecret: dara.String(acct.AccessKeySecret),
		Endpoint: dara.String(endpoint), Protocol: dara.String("HTTP"), RegionId: dara.String(region)})
	if err != nil {
		return nil, err
	}
	return &clients{acct: acct, endpoint: endpoint, region: region, ram: r, maxcompute: mc, dara: d}, nil
}

// dataWorksVersion is the DataWorks API version the demo speaks.
const dataWorksVersion = "2024-05-18"

// dwWire is how the generated dataworks-public-20240518 client sends each
// action the demo calls: its method, and whether the parameters go to a
// form body (else the query).
var dwWire = map[string]struct {
	method string
	body   bool
}{
	"CreateProject": {"POST", true}, "CreateDataSource": {"POST", false}, "ListResourceGroups": {"GET", false},
	"TestDataSourceConnectivity": {"POST", false}, "PreviewDataSourceTable": {"POST", false},
	"CreateComputeResource": {"POST", false},
}

// dataWorks calls a DataWorks 2024-05-18 action with darabonba's CallApi
// (V3 signature) and decodes the body into out.
func (c *clients) dataWorks(ctx context.Context, action string, params map[string]string, out any) error {
	wire := dwWire[action]
	req := &openapiutil.OpenApiRequest{}
	if wire.body {
		body := map[string]any{}
		for k, v := range params {
			body[k] = v
		}
		req.Body = body
	} else {
		q := map[string]*string{}
		for k, v := range params {
			q[k] = dara.String(v)
		}
		req.Query = q
	}
	return c.callAPI(ctx, &openapiutil.Params{
		Action: dara.String(action), Version: dara.String(dataWorksVersion), Protocol: dara.String("HTTP"), Pathname: dara.String("/"),
		Method: dara.String(wire.method), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, req, out)
}

// hologres calls a Hologres 2022-06-01 action (ROA, JSON body).
func (c *clients) hologres(ctx context.Context, action, method, path string, body map[string]any, out any) error {
	req := &openapiutil.OpenApiRequest{}
	if body != nil {
		req.Body = body
	}
	return c.callAPI(ctx, &openapiutil.Params{
		Action: dara.String(action), Version: dara.String("2022-06-01"), Protocol: dara.String("HTTP"),
		Pathname: dara.String(path), Method: dara.String(method), AuthType: dara.String("AK"),
		Style: dara.String("ROA"), ReqBodyType: dara.String("json"), BodyType: dara.String("json"),
	}, req, out)
}

func (c *clients) callAPI(ctx context.Context, params *openapiutil.Params, req *openapiutil.OpenApiRequest, out any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	res, err := c.dara.CallApi(params, req, &dara.RuntimeOptions{ReadTimeout: dara.Int(90_000), ConnectTimeout: dara.Int(10_000)})
	if err != nil {
		return err
	}
	raw, err := json.Marshal(res["body"])
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// odps is the ODPS REST client of project p.
func (c *clients) odps(p string) *odpsclient.Client {
	return &odpsclient.Client{Root: "http://" + c.endpoint, Path: "/odps/api", Project: p,
		Creds: odpsauth.Credentials{AccessKeyID: c.acct.AccessKeyID, AccessKeySecret: c.acct.AccessKeySecret}}
}

// pg connects to a Hologres instance's front end with the account's
// AccessKey pair, as psql would with PGUSER and PGPASSWORD.
func (c *clients) pg(ctx context.Context, endpoint, database string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(pgDSN(endpoint, c.acct.AccessKeyID, c.acct.AccessKeySecret, database))
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// pgDSN is a libpq URL with sslmode=disable (localyun's certificate is
// self-signed; the demo talks over loopback).
func pgDSN(endpoint, user, password, database string) string {
	host, port, _ := net.SplitHostPort(endpoint)
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable&connect_timeout=10",
		url.QueryEscape(user), url.QueryEscape(password), net.JoinHostPort(host, port), url.PathEscape(database))
}

// errorText is what a user needs from an error of any of the clients: the
// service's code and message, then what to do (Recommend, a hint).
func errorText(err error) string {
	var se *sdkerrors.ServerError
	var te *tea.SDKError
	var pe *pgconn.PgError
	var oe *odpsclient.Error
	var he *hintError
	if errors.As(err, &he) {
		return errorText(he.err) + "\n" + he.hint
	}
	switch {
	case errors.As(err, &se):
		msg := fmt.Sprintf("%s (HTTP %d): %s", se.ErrorCode(), se.HttpStatus(), se.Message())
		if rec := se.Recommend(); rec != "" {
			msg += "\nRecommend: " + rec
		}
		return msg
	case errors.As(err, &te):
		msg := fmt.Sprintf("%s (HTTP %d): %s", dara.StringValue(te.Code), dara.IntValue(te.StatusCode), teaMessage(dara.StringValue(te.Message)))
		var data struct{ Recommend string }
		if json.Unmarshal([]byte(dara.StringValue(te.Data)), &data) == nil && data.Recommend != "" {
			msg += "\nRecommend: " + data.Recommend
		}
		return msg
	case errors.As(err, &pe):
		msg := fmt.Sprintf("ERROR: %s (SQLSTATE %s)", pe.Message, pe.Code)
		if pe.Detail != "" {
			msg += "\nDETAIL: " + pe.Detail
		}
		if pe.Hint != "" {
			msg += "\nHINT: " + pe.Hint
		}
		return msg
	case errors.As(err, &oe):
		return "FAILED: " + oe.Error()
	}
	return err.Error()
}

// hintError adds what to do to an error whose text does not say it.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() + "\n" + e.hint }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, format string, args ...any) error {
	return &hintError{err: err, hint: fmt.Sprintf(format, args...)}
}

// teaMessage strips what darabonba adds around the service's message:
// "code: 400, " before it and " request id: ..." after it.
func teaMessage(m string) string {
	m = strings.TrimSpace(m)
	if rest, ok := strings.CutPrefix(m, "code: "); ok {
		if _, after, found := strings.Cut(rest, ", "); found {
			m = after
		}
	}
	if i := strings.LastIndex(m, " request id: "); i >= 0 {
		m = m[:i]
	}
	return m
}

// sortedKeys returns m's keys in order, for printing.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
