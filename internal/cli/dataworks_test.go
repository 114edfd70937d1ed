package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestDataWorksUsage: bad flags and missing credentials are usage errors
// (exit 2), found before any request is sent.
func TestDataWorksUsage(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dataworks", "create-workspace"}, `"name" not set`},
		{[]string{"dataworks", "create-workspace", "--name", "ws", "--mode", "fancy"}, "use basic or standard"},
		{[]string{"dataworks", "create-workspace", "--name", "ws", "--region", "mars-1"}, "--region"},
		{[]string{"dataworks", "create-workspace", "--name", "ws"}, "no credentials"},
		{[]string{"dataworks", "bind-compute", "--workspace", "1"}, `"datasource" not set`},
		{[]string{"dataworks", "bind-compute", "--workspace", "1", "--datasource", "x", "--env", "Test"}, "use Dev or Prod"},
		{[]string{"dataworks", "bind-compute", "--workspace", "1", "--datasource", "x"}, "no credentials"},
	} {
		var out, errOut bytes.Buffer
		if code := Run(tc.args, nil, &out, &errOut); code != ExitUsage || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut.String(), ExitUsage, tc.want)
		}
	}
}
