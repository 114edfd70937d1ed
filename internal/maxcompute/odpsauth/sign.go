package odpsauth

import (
	"errors"
	"fmt"
	"time"

	"github.com/localyun/localyun/internal/accesskey"
	"github.com/localyun/localyun/internal/headerindex"
)

// Credentials sign a request; printing them never shows the secret.
type Credentials = accesskey.Credentials

// SignV2 signs r as the Go SDK signs for an account created without a
// region: it sets Date to now (RFC 1123, GMT), sets authorization-sts-token
// for STS credentials (and removes it otherwise), and sets
// Authorization: ODPS <AccessKeyId>:<signature>. r.Path is the full path
// the request is sent to, prefix included; prefix is the path of the
// endpoint, as in Parse. Method, path, query and other headers are the
// caller's and are not changed.
//
// SignV2 refuses, with the message Parse would send, a request Parse would
// refuse (a path outside prefix, a duplicate query parameter, ...).
func SignV2(r *Request, prefix string, c Credentials, now time.Time) error {
	return signRequest(r, prefix, c, V2, Scope{}, now)
}

// SignV4 signs r as SignV2 does, but with a v4 signature for region with
// the default corporation: Authorization:
// ODPS <AccessKeyId>/<yyyymmdd>/<region>/odps/aliyun_v4_request:<signature>,
// the date being now's, in UTC.
func SignV4(r *Request, prefix string, c Credentials, region string, now time.Time) error {
	return signRequest(r, prefix, c, V4,
		Scope{Date: now.UTC().Format(ScopeDateFormat), Region: region, Corporation: DefaultCorporation}, now)
}

func signRequest(r *Request, prefix string, c Credentials, v Version, sc Scope, now time.Time) error {
	if c.AccessKeySecret == "" {
		return errors.New("odpsauth: signing needs an AccessKeySecret")
	}
	if e := checkAccessKeyID(c.AccessKeyID); e != nil {
		return fmt.Errorf("odpsauth: %s", e.Message)
	}
	credential := c.AccessKeyID
	if v == V4 {
		if _, e := parseScope(sc.Date, sc.Region, "odps", sc.Corporation+"_v4_request"); e != nil {
			return fmt.Errorf("odpsauth: %s", e.Message)
		}
		credential += "/" + sc.String()
	}
	if r.Header == nil {
		r.Header = map[string][]string{}
	}
	headerindex.Set(r.Header, headerAuthorization, "")
	headerindex.Set(r.Header, headerDate, now.UTC().Format(DateFormat))
	headerindex.Set(r.Header, headerSTSToken, c.SecurityToken)
	h := indexHeader(r.Header)
	if e := refuseOtherSchemes(h); e != nil {
		return fmt.Errorf("odpsauth: %s", e.Message)
	}
	can, e := canonicalize(r, h, prefix)
	if e != nil {
		return fmt.Errorf("odpsauth: %s", e.Message)
	}
	key, _ := signingKey(v, sc, c.AccessKeySecret)
	headerindex.Set(r.Header, headerAuthorization, authScheme+credential+":"+sign(key, can.stringToSign))
	return nil
}
