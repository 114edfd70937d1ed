package iam

import (
	"context"
	"errors"
	"strconv"

	"github.com/localyun/localyun/internal/policy"

	"github.com/localyun/localyun/internal/store"
)

// systemPolicy is a built-in policy every account can attach.
type systemPolicy struct {
	name, description, document string
}

// systemPolicies are seeded at start-up; their documents follow the real
// ones (reference/ram-sts.md §5.1 gives AliyunSTSAssumeRoleAccess).
var systemPolicies = []systemPolicy{
	{"AdministratorAccess", "Provides full access to Alibaba Cloud services and resources.",
		`{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"ReadOnlyAccess", "Provides read-only access to Alibaba Cloud services and resources.",
		`{"Statement":[{"Action":["*:Describe*","*:List*","*:Get*","*:BatchGet*","*:Query*","*:BatchQuery*"],"Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunRAMFullAccess", "Provides full access to Resource Access Management (RAM).",
		`{"Statement":[{"Action":"ram:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunRAMReadOnlyAccess", "Provides read-only access to Resource Access Management (RAM).",
		`{"Statement":[{"Action":["ram:Get*","ram:List*"],"Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunSTSAssumeRoleAccess", "Provides access to call the AssumeRole API of Security Token Service (STS).",
		`{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunHologresReadOnlyAccess", "Provides read-only access to Hologres.",
		`{"Statement":[{"Action":["hologram:Get*","hologram:List*","hologram:Describe*"],"Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunHologresFullAccess", "Provides full access to Hologres.",
		`{"Statement":[{"Action":"hologram:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunMaxComputeFullAccess", "Provides full access to MaxCompute.",
		`{"Statement":[{"Action":"odps:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	{"AliyunDataWorksFullAccess", "Provides full access to DataWorks.",
		`{"Statement":[{"Action":"dataworks:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
}

// seedSystemPolicies creates the system policies that are missing, and adds
// a version when a document changed between releases.
func (s *Service) seedSystemPolicies(ctx context.Context) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		now := s.now().UTC()
		for _, sp := range systemPolicies {
			if _, err := parsePolicy(policy.Identity, "", sp.document, policy.Options{}); err != nil {
				return err
			}
			p, err := tx.GetPolicy("", store.System, sp.name)
			if errors.Is(err, store.ErrNotFound) {
				p = store.Policy{Type: store.System, Name: sp.name, Description: sp.description, DefaultVersion: "v1", NextVersion: 2, CreatedAt: now, UpdatedAt: now}
				if err := tx.CreatePolicy(p); err != nil {
					return err
				}
				if err := tx.CreatePolicyVersion(store.PolicyVersion{Type: store.System, Policy: sp.name, ID: "v1", Document: sp.document, CreatedAt: now}); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			cur, err := tx.GetPolicyVersion("", store.System, p.Name, p.DefaultVersion)
			if err != nil {
				return err
			}
			if cur.Document == sp.document {
				continue
			}
			v := store.PolicyVersion{Type: store.System, Policy: p.Name, ID: "v" + strconv.Itoa(p.NextVersion), Document: sp.document, CreatedAt: now}
			if err := tx.CreatePolicyVersion(v); err != nil {
				return err
			}
			p.DefaultVersion, p.NextVersion, p.UpdatedAt = v.ID, p.NextVersion+1, now
			if err := tx.UpdatePolicy(p); err != nil {
				return err
			}
		}
		return nil
	})
}
