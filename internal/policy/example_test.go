package policy_test

import (
	"fmt"

	"github.com/localyun/localyun/internal/policy"
)

// The seed's trust policy: account B's testRole trusts the DataWorks engine
// acting for account A, and nobody else.
func Example() {
	const accountA, accountB, accountC = "1111111111111111", "2222222222222222", "3333333333333333"
	trust, err := policy.Parse(policy.Trust, `{
	  "Statement": [
	    {
	      "Action": "sts:AssumeRole",
	      "Effect": "Allow",
	      "Principal": {
	        "Service": [
	          "`+accountA+`@engine.dataworks.aliyuncs.com"
	        ]
	      }
	    }
	  ],
	  "Version": "1"
	}`, policy.Options{Name: "testRole trust policy"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, onBehalfOf := range []string{accountA, accountC} {
		res := policy.AssumeRole(nil, nil, trust, &policy.Request{
			Principal: policy.Principal{Type: policy.Service, Name: "engine.dataworks.aliyuncs.com", OnBehalfOf: onBehalfOf},
			Action:    "sts:AssumeRole",
			Resource:  "acs:ram::" + accountB + ":role/testrole",
		})
		fmt.Printf("DataWorks for %s: %s\n", onBehalfOf, res.Decision)
		for _, r := range res.Reasons() {
			fmt.Printf("  decided by %s policy %q, statement %d\n", r.Side(), r.Policy.Name(), r.Statement)
		}
	}

	_, err = policy.Parse(policy.Trust, `{"Version":"1","Statement":[{"Effect":"allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::1:root"}}]}`, policy.Options{})
	fmt.Println(err)
	// Output:
	// DataWorks for 1111111111111111: Allow
	//   decided by trust policy "testRole trust policy", statement 0
	// DataWorks for 3333333333333333: ImplicitDeny
	// Statement[0].Effect: must be "Allow" or "Deny", got "allow"
}
