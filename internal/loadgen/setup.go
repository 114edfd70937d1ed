package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/localyun/localyun/internal/gateway/signature"
)

// API versions of the benchmarked actions.
const (
	RAMVersion = "2015-05-01"
	STSVersion = "2015-04-01"
)

// Account is an account and its root AccessKey, as `localyun account
// create --json` prints it.
type Account struct {
	AccountID       string `json:"AccountId"`
	AccountName     string `json:"AccountName,omitempty"`
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
}

// Key is one AccessKey of a benchmark user.
type Key struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
}

// Credentials are the key as signature credentials.
func (k Key) Credentials() signature.Credentials {
	return signature.Credentials{AccessKeyID: k.AccessKeyID, AccessKeySecret: k.AccessKeySecret}
}

// Principal is the RAM user that calls one benchmarked action.
type Principal struct {
	AccountID string `json:"AccountId"`
	UserName  string `json:"UserName"`
	Keys      []Key  `json:"Keys"`
}

// Setup is what SetupRPC created: `localyun bench setup --json` prints it
// and `localyun bench rpc --setup` reads it.
type Setup struct {
	Endpoint   string    `json:"Endpoint"`
	RoleArn    string    `json:"RoleArn"`
	RoleName   string    `json:"RoleName"`
	AssumeRole Principal `json:"AssumeRole"`
	GetRole    Principal `json:"GetRole"`
}

// SetupRPC creates, with V1-signed RAM calls to endpoint, what the RPC
// benchmarks need, as in the seed's step 1:
//
//   - in account b, role <prefix>-role trusting acs:ram::<a>:root, and user
//     <prefix>-reader with AliyunRAMReadOnlyAccess and 2 AccessKeys, who
//     calls GetRole;
//   - in account a, user <prefix>-assumer with AliyunSTSAssumeRoleAccess and
//     2 AccessKeys, who calls AssumeRole.
//
// A refusal is returned as an *APIError wrapped with the call and account;
// names that exist already are refused (use another prefix).
func SetupRPC(ctx context.Context, client *http.Client, endpoint, prefix string, a, b Account) (*Setup, error) {
	call := func(acc Account, action string, params map[string]string, out any) error {
		key := signature.Credentials{AccessKeyID: acc.AccessKeyID, AccessKeySecret: acc.AccessKeySecret}
		body, err := Call(ctx, client, endpoint, key, RAMVersion, action, params)
		if err != nil {
			return fmt.Errorf("%s in account %s: %w", action, acc.AccountID, err)
		}
		if out != nil {
			if err := json.Unmarshal(body, out); err != nil {
				return fmt.Errorf("%s in account %s answered %.200s: %w", action, acc.AccountID, body, err)
			}
		}
		return nil
	}
	res := &Setup{Endpoint: endpoint, RoleName: prefix + "-role"}
	trust := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::` + a.AccountID + `:root"]}}],"Version":"1"}`
	var role struct{ Role struct{ Arn string } }
	if err := call(b, "CreateRole", map[string]string{"RoleName": res.RoleName, "AssumeRolePolicyDocument": trust,
		"Description": "localyun bench: AssumeRole target"}, &role); err != nil {
		return nil, err
	}
	res.RoleArn = role.Role.Arn
	user := func(acc Account, name, policyName string) (Principal, error) {
		p := Principal{AccountID: acc.AccountID, UserName: name}
		if err := call(acc, "CreateUser", map[string]string{"UserName": name}, nil); err != nil {
			return p, err
		}
		if err := call(acc, "AttachPolicyToUser", map[string]string{"UserName": name, "PolicyType": "System", "PolicyName": policyName}, nil); err != nil {
			return p, err
		}
		for range 2 { // a RAM user holds at most 2 AccessKeys
			var k struct{ AccessKey Key }
			if err := call(acc, "CreateAccessKey", map[string]string{"UserName": name}, &k); err != nil {
				return p, err
			}
			p.Keys = append(p.Keys, k.AccessKey)
		}
		return p, nil
	}
	var err error
	if res.AssumeRole, err = user(a, prefix+"-assumer", "AliyunSTSAssumeRoleAccess"); err != nil {
		return nil, err
	}
	if res.GetRole, err = user(b, prefix+"-reader", "AliyunRAMReadOnlyAccess"); err != nil {
		return nil, err
	}
	return res, nil
}
