// Package admin is localyun's admin API: JSON calls over HTTP on a unix
// socket in the data directory, never on TCP, for the commands that manage
// the server itself (accounts, audit, certificates).
//
// The server side is Listen (the socket, mode 0600), LoadOrCreateToken (the
// bearer token, mode 0600, next to the socket), NewHandler (routes by name,
// authentication, limits and error encoding) and NewServer (timeouts):
//
//	ln, err := admin.Listen(dir.Path(admin.SocketFile))
//	token, err := admin.LoadOrCreateToken(dir.Path(admin.TokenFile))
//	srv := admin.NewServer(admin.NewHandler(token, routes), logger)
//	go srv.Serve(ln)
//
// The client side is Dial, which finds the socket and the token from the
// data directory, and Client.Call.
//
// # Protocol
//
// A call is POST /v1/<name> with a JSON body (at most MaxRequestBody bytes;
// an empty body is {}) and the header "Authorization: Bearer <token>". The
// answer is 200 with the handler's result as JSON, or an error status with
// the body {"code": ..., "message": ..., "recommend": ...}. A request
// without the right token gets 401 and no detail, before any routing.
//
// Two things keep other users out: the socket's mode (and the data
// directory's, 0700) and the token, which only the server's user can read.
package admin

// Names of the admin API's files in the data directory (see package
// datadir). The token is always next to the socket.
const (
	SocketFile = "admin.sock"
	TokenFile  = "admin.token"
)
