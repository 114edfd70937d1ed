package accesskey

import (
	"fmt"
	"strings"
	"testing"
)

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: "LTAIexample", AccessKeySecret: "s3cret-value", SecurityToken: "t0ken-value"}
	for _, out := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprint(&c)} {
		if strings.Contains(out, "s3cret") || strings.Contains(out, "t0ken") || !strings.Contains(out, "LTAIexample") {
			t.Fatalf("printed: %s", out)
		}
	}
	if got := fmt.Sprint(Credentials{AccessKeyID: "LTAIx"}); strings.Contains(got, "token") {
		t.Fatalf("a permanent key mentions a token: %s", got)
	}
}
