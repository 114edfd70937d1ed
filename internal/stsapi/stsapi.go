// Package stsapi serves the STS API, version 2015-04-01: AssumeRole and
// GetCallerIdentity (reference/ram-sts.md §5;
// https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-assumerole).
// It translates parameters and results; package sts decides and issues.
package stsapi

import (
	"context"

	"github.com/localyun/localyun/internal/gateway"
	"github.com/localyun/localyun/internal/iam"
	"github.com/localyun/localyun/internal/sts"
)

// Version is the STS API version.
const Version = "2015-04-01"

// Actions declares the STS actions.
func Actions(svc *sts.Service) []gateway.Action {
	return []gateway.Action{
		{
			Product: "Sts", Version: Version, Name: "AssumeRole",
			Doc: "Issues STS credentials of a role; the caller's policies and the role's trust policy must both allow it.",
			Params: []gateway.Param{
				{Name: "RoleArn", Required: true, MaxLen: 256},
				{Name: "RoleSessionName", Required: true, MaxLen: 128},
				{Name: "DurationSeconds", Kind: gateway.Int},
				// The policy package enforces the session policy length with
				// InvalidParameter.PolicySize; this only stops absurd input.
				{Name: "Policy", MaxLen: 65536},
				{Name: "ExternalId", MaxLen: 2048},
				{Name: "SourceIdentity", MaxLen: 256},
			},
			// AssumeRole decides its own permission: identity AND trust.
			Handler: func(ctx context.Context, c *gateway.Call) (any, error) {
				cred, err := svc.AssumeRole(ctx, c.Caller, sts.AssumeRoleInput{
					RoleArn: c.String("RoleArn"), RoleSessionName: c.String("RoleSessionName"),
					DurationSeconds: c.Int("DurationSeconds", 0), Policy: c.String("Policy"),
					ExternalID: c.String("ExternalId"), SourceIdentity: c.String("SourceIdentity"),
					RequestID: c.RequestID, SourceIP: c.SourceIP, Secure: c.Secure,
				})
				if err != nil {
					return nil, err
				}
				return assumeRoleResult{
					AssumedRoleUser: assumedRoleUser{Arn: cred.AssumedRoleARN, AssumedRoleID: cred.AssumedRoleID},
					Credentials: credentials{AccessKeyID: cred.AccessKeyID, AccessKeySecret: cred.AccessKeySecret,
						SecurityToken: cred.SecurityToken, Expiration: cred.Expiration.UTC().Format("2006-01-02T15:04:05Z")},
					SourceIdentity: cred.SourceIdentity,
				}, nil
			},
		},
		{
			Product: "Sts", Version: Version, Name: "GetCallerIdentity",
			Doc: "Returns the caller's identity; needs no permission.",
			Handler: func(ctx context.Context, c *gateway.Call) (any, error) {
				return callerIdentity(c.Caller), nil
			},
		},
	}
}

type assumeRoleResult struct {
	AssumedRoleUser assumedRoleUser `json:"AssumedRoleUser"`
	Credentials     credentials     `json:"Credentials"`
	SourceIdentity  string          `json:"SourceIdentity,omitempty"`
}

type assumedRoleUser struct {
	Arn           string `json:"Arn"`
	AssumedRoleID string `json:"AssumedRoleId"`
}

type credentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

type identityResult struct {
	IdentityType string `json:"IdentityType"`
	AccountID    string `json:"AccountId"`
	Arn          string `json:"Arn"`
	PrincipalID  string `json:"PrincipalId"`
	UserID       string `json:"UserId,omitempty"`
	RoleID       string `json:"RoleId,omitempty"`
}

func callerIdentity(id *iam.Identity) identityResult {
	r := identityResult{IdentityType: id.Kind.String(), AccountID: id.Account, Arn: id.ARN(), PrincipalID: id.PrincipalID()}
	switch id.Kind {
	case iam.Root:
		r.UserID = id.Account
	case iam.User:
		r.UserID = id.UserID
	case iam.RoleSession:
		r.RoleID = id.RoleID
	}
	return r
}
