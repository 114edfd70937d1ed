package server

import (
	"context"
	"encoding/json"

	"github.com/localyun/localyun/internal/admin"
	"github.com/localyun/localyun/internal/apierr"
	"github.com/localyun/localyun/internal/dataworks"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/store"
)

// Admin API messages (the unix socket in the data directory).
type (
	// AccountCreateRequest creates an account.
	AccountCreateRequest struct {
		Name string `json:"name"`
	}
	// AccountCreateResponse is the new account and its root AccessKey; the
	// only time the secret is shown.
	AccountCreateResponse struct {
		AccountID       string `json:"AccountId"`
		AccountName     string `json:"AccountName"`
		AccessKeyID     string `json:"AccessKeyId"`
		AccessKeySecret string `json:"AccessKeySecret"`
	}
	// AccountView is an account without secrets.
	AccountView struct {
		AccountID   string `json:"AccountId"`
		AccountName string `json:"AccountName"`
		CreateDate  string `json:"CreateDate"`
	}
	// GroupStatusRequest stops ("Stop") or starts ("Normal") a DataWorks
	// resource group.
	GroupStatusRequest struct {
		Group  string `json:"group"`
		Status string `json:"status"`
	}
	// AuditTailRequest asks for audit records after a sequence number.
	AuditTailRequest struct {
		Account string `json:"account,omitempty"`
		After   int64  `json:"after,omitempty"`
		Limit   int    `json:"limit,omitempty"`
	}
)

func adminRoutes(ident *iam.Service, audit store.AuditLog, dw *dataworks.Service) map[string]admin.HandlerFunc {
	return map[string]admin.HandlerFunc{
		"account.create": func(ctx context.Context, raw json.RawMessage) (any, error) {
			var req AccountCreateRequest
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, apierr.New(400, "InvalidParameter", "The request is not valid JSON.")
			}
			acct, key, err := ident.CreateAccount(ctx, req.Name)
			if err != nil {
				return nil, err
			}
			return AccountCreateResponse{AccountID: acct.ID, AccountName: acct.Name, AccessKeyID: key.ID, AccessKeySecret: key.Secret}, nil
		},
		"account.list": func(ctx context.Context, _ json.RawMessage) (any, error) {
			accts, err := ident.ListAccounts(ctx)
			if err != nil {
				return nil, err
			}
			out := []AccountView{}
			for _, a := range accts {
				out = append(out, AccountView{AccountID: a.ID, AccountName: a.Name, CreateDate: a.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")})
			}
			return out, nil
		},
		// No DataWorks API stops a resource group (the real service stops
		// one when it expires or is unpaid); operators and tests do it here.
		"dataworks.group.status": func(ctx context.Context, raw json.RawMessage) (any, error) {
			var req GroupStatusRequest
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, apierr.New(400, "InvalidParameter", "The request is not valid JSON.")
			}
			if req.Status != dataworks.GroupNormal && req.Status != dataworks.GroupStop {
				return nil, apierr.Newf(400, "InvalidParameter", "The status %q is not %s or %s.", req.Status, dataworks.GroupNormal, dataworks.GroupStop)
			}
			if err := dw.SetGroupStatus(ctx, req.Group, req.Status); err != nil {
				return nil, err
			}
			g, ok := dw.LookupResourceGroup(ctx, req.Group)
			if !ok {
				return nil, apierr.Newf(404, "ResourceGroupNotExist", "The resource group %s does not exist.", req.Group)
			}
			return map[string]string{"Id": g.ID, "Status": g.Status}, nil
		},
		"audit.tail": func(ctx context.Context, raw json.RawMessage) (any, error) {
			var req AuditTailRequest
			if len(raw) > 0 {
				if err := json.Unmarshal(raw, &req); err != nil {
					return nil, apierr.New(400, "InvalidParameter", "The request is not valid JSON.")
				}
			}
			if req.Limit <= 0 || req.Limit > 1000 {
				req.Limit = 1000
			}
			if err := audit.Flush(ctx); err != nil {
				return nil, err
			}
			recs, err := audit.Query(ctx, req.Account, req.After, req.Limit)
			if err != nil {
				return nil, err
			}
			out := make([]AuditEntry, 0, len(recs))
			for _, r := range recs {
				out = append(out, newAuditEntry(r))
			}
			return out, nil
		},
	}
}

// AuditEntry is an audit record as `localyun audit tail --json` prints it.
type AuditEntry struct {
	Seq             int64  `json:"seq"`
	Time            string `json:"time"`
	RequestID       string `json:"requestId"`
	Event           string `json:"event"`
	CallerAccount   string `json:"callerAccount,omitempty"`
	Caller          string `json:"caller,omitempty"`
	AccessKeyID     string `json:"accessKeyId,omitempty"`
	SourceIP        string `json:"sourceIp,omitempty"`
	Action          string `json:"action,omitempty"`
	Resource        string `json:"resource,omitempty"`
	ResourceAccount string `json:"resourceAccount,omitempty"`
	Decision        string `json:"decision,omitempty"`
	Deciding        string `json:"deciding,omitempty"`
	ErrorCode       string `json:"errorCode,omitempty"`
}

func newAuditEntry(r store.AuditRecord) AuditEntry {
	return AuditEntry{Seq: r.Seq, Time: r.Time.UTC().Format("2006-01-02T15:04:05.000Z"), RequestID: r.RequestID, Event: r.Event,
		CallerAccount: r.CallerAccount, Caller: r.Caller, AccessKeyID: r.AccessKeyID, SourceIP: r.SourceIP, Action: r.Action,
		Resource: r.Resource, ResourceAccount: r.ResourceAccount, Decision: r.Decision, Deciding: r.Deciding, ErrorCode: r.ErrorCode}
}
