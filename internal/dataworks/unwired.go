package dataworks

import (
	"context"
	"time"
)

// UnwiredConnector is a PLACEHOLDER Connector. It answers every test with
// Unsupport "connectivity tests are not wired yet" and is used only when
// Options.Connector is nil. It goes away when the real connectivity tests
// (assume_role, resolve_endpoint, authenticate, check_privilege: issue 6
// item 4) are written and passed in Options.Connector; nothing else
// depends on it.
type UnwiredConnector struct{}

// UnwiredMessage is the placeholder's answer.
const UnwiredMessage = "connectivity tests are not wired yet"

// TestConnectivity answers Unsupport.
func (UnwiredConnector) TestConnectivity(ctx context.Context, ds DataSource, groupID string) (Connectivity, error) {
	now := time.Now()
	return Connectivity{State: Unsupport, Message: UnwiredMessage,
		Steps: []Step{{Code: "connect", Message: UnwiredMessage, Start: now, End: now}}}, nil
}
