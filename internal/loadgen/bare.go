package loadgen

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// BareServer is the baseline of a benchmark: a plain net/http server on
// loopback whose handler reads the request body and answers every request
// with the same status, Content-Type and bytes. Load against it measures
// what net/http, the loopback and the load generator cost by themselves.
type BareServer struct {
	// Addr is host:port of the listener.
	Addr string
	srv  *http.Server
	done chan struct{}
}

// StartBareServer listens on 127.0.0.1 on a free port and answers with
// body. Close it when done.
func StartBareServer(contentType string, body []byte) (*BareServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	length := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) //nolint:errcheck // the answer is fixed
		w.Header()["Content-Type"] = []string{contentType}
		w.Header()["Content-Length"] = []string{length}
		w.WriteHeader(http.StatusOK)
		w.Write(body) //nolint:errcheck // the client went away
	})
	b := &BareServer{Addr: ln.Addr().String(), done: make(chan struct{}),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}}
	go func() {
		defer close(b.done)
		b.srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed
	}()
	return b, nil
}

// Close stops the server and waits for it.
func (b *BareServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.srv.Shutdown(ctx)
	<-b.done
	return err
}
