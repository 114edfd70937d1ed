// Package odpsrest serves MaxCompute's ODPS REST protocol
// (reference/maxcompute.md §4) under a path prefix of localyun's HTTP and
// HTTPS listeners: users give their clients (the Go, Java and Python SDKs,
// odpscmd, `localyun odps`) the endpoint http://<host>:<port>/odps/api.
// It translates the wire format; the MaxCompute service (package
// maxcompute) decides every permission and runs every statement.
//
// Every request goes through one pipeline (Handler.ServeHTTP):
//
//  1. the body is read up to Options.MaxBody (10 MiB by default; a larger
//     one is refused with 413 before it is read);
//  2. the signature is verified (package odpsauth: v2 or v4, STS
//     credentials in authorization-sts-token, the 15-minute Date window),
//     the secret and the identity coming from the server's resolver, the
//     one the RPC gateway uses; a Content-MD5, when sent, is checked
//     against the body;
//  3. the path under the prefix and its bare query flags (?partitions,
//     ?taskstatus, ...) select one declared route (routes.go);
//  4. the route's handler calls the service and returns XML, JSON or text;
//  5. every response carries x-odps-request-id; errors are
//     <Error><Code/><Message/><RequestId/><HostId/></Error> with the
//     status the clients expect (404 keeps Go's status text "404 Not
//     Found", which the Go SDK compares); every request is one audit
//     record (Event "api", Action odps:<route name>, the ARN acted on, the
//     error code), never with a secret, token or signature.
//
// # Instances
//
// POST /projects/{p}/instances takes a Job of SQL tasks. The job runs in
// the background; with ?tryWait the answer waits up to Options.TryWait
// (5 s) and a finished job is answered 200 with its tasks' statuses and
// results, otherwise 201; both carry Location. Instances live in memory:
// visible to their creator (the same project principal: every STS session
// of a role counts) and to the project owner, kept Options.Retention (24 h)
// after they end, at most Options.MaxInstances (10,000; the oldest finished
// are forgotten first) and Options.MaxKeptBytes (512 MiB) of results; at
// most Options.MaxRunning (64) run at once, Options.MaxRunningPerUser (8)
// per principal, beyond which creation answers 409 with Retry-After. A
// task's result is at most Options.MaxResultBytes (16 MiB) and the
// service's 10,000 rows; an instance runs at most Options.InstanceTimeout
// (30 min), each statement within the engine's statement timeout. A
// restart forgets every instance.
//
// A task's query may hold several statements, run in order (the last one's
// output is the result); `set key=value;` statements only set the task's
// settings. Security statements are accepted in SQL tasks too.
//
// # Security statements
//
// POST /projects/{p}/authorization runs one security statement. One that
// finishes within TryWait is answered 200 with its output (empty for OK);
// otherwise, or always with Options.AsyncAuthorization, 201 with an id whose
// state GET /projects/{p}/authorization/{id} gives as exactly Running,
// Terminated or Failed (the Go SDK compares them case-sensitively).
package odpsrest
