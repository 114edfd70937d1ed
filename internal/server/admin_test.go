package server

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/localyun/localyun/internal/apierr"
)

// TestGroupStatusRefusesBadInput: the admin call that stops and starts
// resource groups refuses malformed JSON and unknown statuses before it
// touches anything.
func TestGroupStatusRefusesBadInput(t *testing.T) {
	route := adminRoutes(nil, nil, nil)["dataworks.group.status"]
	for _, raw := range []string{`{"group":`, `[]`, `{"group":"Serverless_res_group_1_1","status":"Paused"}`, `{"group":"Serverless_res_group_1_1"}`} {
		_, err := route(context.Background(), json.RawMessage(raw))
		if e := apierr.As(err); e == nil || e.Code != "InvalidParameter" || e.Status != 400 {
			t.Errorf("%s: %v, want 400 InvalidParameter", raw, err)
		}
	}
}
