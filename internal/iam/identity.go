package iam

import (
	"github.com/localyun/localyun/internal/policy"
)

// Kind is the kind of an authenticated caller.
type Kind uint8

const (
	// Root is an account itself (its root AccessKey).
	Root Kind = iota + 1
	// User is a RAM user.
	User
	// RoleSession holds STS credentials of a role.
	RoleSession
	// ServicePrincipal is a localyun service acting on behalf of an account, such as
	// engine.dataworks.aliyuncs.com. It never comes from the network.
	ServicePrincipal
)

func (k Kind) String() string {
	switch k {
	case Root:
		return "Account"
	case User:
		return "RAMUser"
	case RoleSession:
		return "AssumedRoleUser"
	case ServicePrincipal:
		return "Service"
	}
	return "Unknown"
}

// Identity is an authenticated caller.
type Identity struct {
	Kind    Kind
	Account string // the account acted in: a session acts in its role's account
	// AccessKeyID authenticated the request ("" for services).
	AccessKeyID string

	UserName string // User
	UserID   string

	RoleName    string // RoleSession
	RoleID      string
	SessionName string
	// SessionPolicy narrows a role session; nil when it has none.
	SessionPolicy  *policy.Policy
	SourceIdentity string

	ServiceName string // Service
	OnBehalfOf  string
}

// ARN is the caller's ARN as GetCallerIdentity reports it:
// acs:ram::<uid>:root, :user/<name>, :assumed-role/<role>/<session>; for a
// service, <uid>@<service>.
func (id *Identity) ARN() string {
	switch id.Kind {
	case Root:
		return "acs:ram::" + id.Account + ":root"
	case User:
		return "acs:ram::" + id.Account + ":user/" + id.UserName
	case RoleSession:
		return "acs:ram::" + id.Account + ":assumed-role/" + id.RoleName + "/" + id.SessionName
	case ServicePrincipal:
		return id.OnBehalfOf + "@" + id.ServiceName
	}
	return ""
}

// Principal is the identity as the policy engine sees it.
func (id *Identity) Principal() policy.Principal {
	switch id.Kind {
	case Root:
		return policy.Principal{Type: policy.Root, Account: id.Account}
	case User:
		return policy.Principal{Type: policy.User, Account: id.Account, Name: id.UserName}
	case RoleSession:
		return policy.Principal{Type: policy.RoleSession, Account: id.Account, Name: id.RoleName, Session: id.SessionName}
	case ServicePrincipal:
		return policy.Principal{Type: policy.Service, Name: id.ServiceName, OnBehalfOf: id.OnBehalfOf}
	}
	return policy.Principal{}
}

// PrincipalID is GetCallerIdentity's PrincipalId: the user id, the account
// id, or <RoleId>:<session>.
func (id *Identity) PrincipalID() string {
	switch id.Kind {
	case Root:
		return id.Account
	case User:
		return id.UserID
	case RoleSession:
		return id.RoleID + ":" + id.SessionName
	}
	return ""
}
