// Package accesskey holds the credentials a request is signed with, for
// every signature scheme localyun speaks (RPC and ROA, ODPS): a permanent
// AccessKey, or STS credentials. Printing them never shows a secret.
package accesskey

// Credentials sign a request: a permanent AccessKey, or STS credentials
// when SecurityToken is set. Printing them never shows the secret.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
}

// String names the AccessKey and hides the secret and the token.
func (c Credentials) String() string {
	s := "AccessKey " + c.AccessKeyID + " (secret redacted"
	if c.SecurityToken != "" {
		s += ", security token redacted"
	}
	return s + ")"
}

// GoString is String, so %#v does not show the secret either.
func (c Credentials) GoString() string { return c.String() }
