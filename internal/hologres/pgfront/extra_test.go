package pgfront

import (
	"context"
	"strings"
	"testing"
)

// With standard_conforming_strings off, a backslash in '...' escapes, as
// PostgreSQL reads it: the front end follows the session's setting.
func TestStandardConformingStringsOff(t *testing.T) {
	f := newFront(t)
	owner := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	t.Cleanup(func() { dropTestRoles(t, "BASIC$scs") })
	execOK(t, owner, `SET standard_conforming_strings = off`)
	execOK(t, owner, `CREATE USER "BASIC$scs" PASSWORD 'a\'b\\c'`)
	f.mustConnect(t, "BASIC$scs", `a'b\c`, "postgres")
	execOK(t, owner, `SET standard_conforming_strings = on`)
	execOK(t, owner, `ALTER USER "BASIC$scs" PASSWORD 'a\b'`)
	f.mustConnect(t, "BASIC$scs", `a\b`, "postgres")
}

func TestEndSessionsAndAudit(t *testing.T) {
	f := newFront(t)
	c := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	f.connect(t, f.aKey.ID, "wrong", "postgres") //nolint:errcheck
	execOK(t, c, `CREATE USER "p4_42"`)
	t.Cleanup(func() { dropTestRoles(t, "p4_42") })
	if n := f.srv.EndSessions(f.a.ID); n != 1 {
		t.Fatalf("ended %d sessions", n)
	}
	if _, err := c.Exec(context.Background(), "SELECT 1"); err == nil {
		t.Fatal("the session survived EndSessions")
	}
	ctx := context.Background()
	if err := f.db.Audit().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	recs, err := f.db.Audit().Query(ctx, f.a.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		if strings.HasPrefix(r.Action, "hologres:") {
			got = append(got, r.Action+" "+r.Decision+" "+r.ErrorCode+" "+r.AccessKeyID+" "+r.CallerAccount)
			if r.Resource != "acs:hologram:cn-hangzhou:"+f.a.ID+":instance/hgpostcn-cn-pgfronttest" {
				t.Errorf("resource %s", r.Resource)
			}
		}
	}
	want := []string{"hologres:Connect Allow  " + f.aKey.ID + " " + f.a.ID, "hologres:Connect Deny 28P01 " + f.aKey.ID + " ", "hologres:CreateUser Allow   " + f.a.ID}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("audit:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// PostgreSQL keeps a SCRAM verifier of the SASLprep'd password (RFC 4013:
// non-ASCII spaces become spaces, compatibility forms are normalized), so
// the front end prepares a BASIC$ password the same way before checking
// it: the same text logs in, whatever normalization it needed.
func TestBasicPasswordSASLprep(t *testing.T) {
	f := newFront(t)
	owner := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	t.Cleanup(func() { dropTestRoles(t, "BASIC$intl") })
	execOK(t, owner, `CREATE USER "BASIC$intl" PASSWORD 'x'`)
	for _, pw := range []string{
		"caf\u00e9 \u00a0latte",       // a no-break space, mapped to a space
		"\u2168-nine",                 // ROMAN NUMERAL NINE, NFKC "IX"
		"soft\u00adhyphen",            // mapped to nothing
		"ascii-only",                  // unchanged
		"bad\u0007bell-kept-verbatim", // a prohibited character: used as sent, as PostgreSQL does
	} {
		execOK(t, owner, `ALTER USER "BASIC$intl" PASSWORD `+quoteLiteral(pw))
		f.mustConnect(t, "BASIC$intl", pw, "postgres")
		if _, err := f.connect(t, "BASIC$intl", pw+"x", "postgres"); err == nil {
			t.Fatalf("a wrong password logged in (%q)", pw)
		}
	}
}

// A BASIC$ password's VALID UNTIL: a past date refuses the login with the
// date, 'infinity' never expires and '-infinity' always has.
func TestBasicPasswordValidUntil(t *testing.T) {
	f := newFront(t)
	owner := f.mustConnect(t, f.aKey.ID, f.aKey.Secret, "postgres")
	t.Cleanup(func() { dropTestRoles(t, "BASIC$until") })
	execOK(t, owner, `CREATE USER "BASIC$until" PASSWORD 'pw-until-1'`)
	for _, tc := range []struct {
		until  string
		detail string // "" when the login succeeds
	}{
		{"infinity", ""},
		{"2999-01-01", ""},
		{"2000-01-01 00:00:00+00", "expired at 2000-01-01T00:00:00Z"},
		{"-infinity", "expired at 1970-01-01T00:00:00Z"},
	} {
		admin(t, "postgres", `ALTER ROLE "BASIC$until" VALID UNTIL '`+tc.until+`'`)
		c, err := f.connect(t, "BASIC$until", "pw-until-1", "postgres")
		if tc.detail == "" {
			if err != nil {
				t.Fatalf("VALID UNTIL %s: %v", tc.until, err)
			}
			c.Close(context.Background())
			continue
		}
		pe := pgErr(t, err)
		if pe.Code != "28P01" || !strings.Contains(pe.Detail, tc.detail) {
			t.Fatalf("VALID UNTIL %s: %s %q %q", tc.until, pe.Code, pe.Message, pe.Detail)
		}
	}
}
