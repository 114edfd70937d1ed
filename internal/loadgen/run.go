package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Target is what a run sends requests to.
type Target struct {
	// Client sends the requests; NewClient makes one that keeps a
	// connection per worker alive.
	Client *http.Client
	// NewRequest builds worker w's next request. It runs outside the timed
	// section and must be safe for concurrent use. An error ends the run:
	// it means the target is misconfigured, not that the server failed.
	NewRequest func(w int) (*http.Request, error)
	// Check inspects a complete response: "" accepts it, anything else is
	// the error code it is counted under ("HTTP 400 Throttling"). Nil
	// accepts status 200 only. It runs outside the timed section and must
	// be safe for concurrent use; body is only valid during the call.
	Check func(status int, header http.Header, body []byte) string
}

// Options shape a run.
type Options struct {
	// Clients is the number of concurrent workers, each with at most one
	// request in flight (default 1).
	Clients int
	// Duration is the measured period (default 10 s).
	Duration time.Duration
	// Warmup runs the same load, unmeasured, before the measured period.
	Warmup time.Duration
	// MaxBody bounds the response bytes read (default 4 MiB); a longer
	// body is an error (ResponseTooLarge).
	MaxBody int64
	// Progress, when not nil, gets a one-line status every ProgressEvery,
	// rewritten in place with a carriage return, and erased at the end.
	// Pass a terminal, or nil to stay quiet (as when output is piped).
	Progress io.Writer
	// ProgressEvery is how often the progress line is rewritten (default
	// one second).
	ProgressEvery time.Duration
	// Label names the run in the progress line.
	Label string
}

// Result is the outcome of one run.
type Result struct {
	Clients int `json:"clients"`
	// Requests is every request completed in the measured period, failed
	// ones included.
	Requests int64 `json:"requests"`
	// Errors is how many of them failed, and ErrorCodes by which code.
	Errors     int64            `json:"errors"`
	ErrorCodes map[string]int64 `json:"error_codes,omitempty"`
	// FirstError describes the first transport error, if any, in full.
	FirstError string `json:"first_error,omitempty"`
	// Elapsed is the measured period.
	Elapsed time.Duration `json:"-"`
	// Latency holds the latencies of the successful requests.
	Latency *Histogram `json:"-"`
}

// Throughput is successful requests per second of the measured period.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// SortedErrorCodes returns the error codes, most frequent first, then by
// name, so reports never depend on map order.
func (r *Result) SortedErrorCodes() []string {
	codes := make([]string, 0, len(r.ErrorCodes))
	for c := range r.ErrorCodes {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		ci, cj := r.ErrorCodes[codes[i]], r.ErrorCodes[codes[j]]
		if ci != cj {
			return ci > cj
		}
		return codes[i] < codes[j]
	})
	return codes
}

// NewClient makes an HTTP client for closed-loop load from up to clients
// workers against one host: plain keep-alive connections, as many idle
// ones kept per host as there are workers (net/http keeps 2 by default,
// which would make most workers reconnect on every request), no proxy,
// no compression.
func NewClient(clients int) *http.Client {
	if clients < 1 {
		clients = 1
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        2 * clients,
			MaxIdleConnsPerHost: clients,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// stragglerGrace is how long requests in flight at the end of a run may
// take to finish before they are cancelled.
const stragglerGrace = 2 * time.Second

// worker is one worker's private tally, merged at the end.
type worker struct {
	hist       Histogram
	requests   int64
	errors     int64
	codes      map[string]int64
	firstError string
	buf        bytes.Buffer
}

// Run sends load to t as o says and returns the measured result. It stops
// early, returning ctx's error, when ctx is cancelled, and returns the
// first NewRequest error, if any.
func Run(ctx context.Context, t Target, o Options) (*Result, error) {
	if t.Client == nil || t.NewRequest == nil {
		return nil, errors.New("loadgen: the target needs a Client and NewRequest")
	}
	if o.Clients < 1 {
		o.Clients = 1
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Warmup < 0 {
		o.Warmup = 0
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 4 << 20
	}
	check := t.Check
	if check == nil {
		check = func(status int, _ http.Header, _ []byte) string {
			if status != http.StatusOK {
				return fmt.Sprintf("HTTP %d", status)
			}
			return ""
		}
	}

	start := time.Now()
	measureFrom := start.Add(o.Warmup)
	measureTo := measureFrom.Add(o.Duration)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		done     atomic.Int64 // completed in the measured period, for progress
		failed   atomic.Int64
		stopping atomic.Bool
		fatalMu  sync.Mutex
		fatal    error
	)
	workers := make([]*worker, o.Clients)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{codes: map[string]int64{}}
		workers[i] = w
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for !stopping.Load() && runCtx.Err() == nil {
				req, err := t.NewRequest(id)
				if err != nil {
					fatalMu.Lock()
					if fatal == nil {
						fatal = fmt.Errorf("loadgen: building a request: %w", err)
					}
					fatalMu.Unlock()
					stopping.Store(true)
					return
				}
				req = req.WithContext(runCtx)
				sent := time.Now()
				resp, err := t.Client.Do(req)
				var code string
				if err == nil {
					w.buf.Reset()
					_, err = w.buf.ReadFrom(io.LimitReader(resp.Body, o.MaxBody+1))
					resp.Body.Close()
				}
				end := time.Now()
				if runCtx.Err() != nil {
					return // cancelled mid-request: not a server failure
				}
				switch {
				case err != nil:
					code = transportCode(err)
					if w.firstError == "" {
						w.firstError = err.Error()
					}
				case int64(w.buf.Len()) > o.MaxBody:
					code = "ResponseTooLarge"
				default:
					code = check(resp.StatusCode, resp.Header, w.buf.Bytes())
				}
				if end.Before(measureFrom) {
					continue
				}
				if end.After(measureTo) {
					stopping.Store(true)
					return
				}
				w.requests++
				done.Add(1)
				if code != "" {
					w.errors++
					w.codes[code]++
					failed.Add(1)
					continue
				}
				w.hist.Record(end.Sub(sent))
			}
		}(i)
	}

	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	stopAt := time.NewTimer(time.Until(measureTo))
	defer stopAt.Stop()
	var tick <-chan time.Time
	if o.Progress != nil {
		every := o.ProgressEvery
		if every <= 0 {
			every = time.Second
		}
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		tick = ticker.C
	}
	// Requests still in flight at the end are not counted; they get a
	// grace period to finish, so their connections stay open for the next
	// run, and are then cancelled.
	var grace <-chan time.Time
	parent := ctx.Done()
wait:
	for {
		select {
		case <-finished:
			break wait
		case <-stopAt.C:
			stopping.Store(true)
			grace = time.After(stragglerGrace)
		case <-grace:
			cancel()
		case <-parent:
			parent = nil
			cancel()
		case now := <-tick:
			progress(o, start, now, done.Load(), failed.Load())
		}
	}
	if o.Progress != nil {
		fmt.Fprint(o.Progress, "\r\x1b[K")
	}
	if fatal != nil {
		return nil, fatal
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &Result{Clients: o.Clients, Elapsed: o.Duration, Latency: &Histogram{}, ErrorCodes: map[string]int64{}}
	for _, w := range workers {
		res.Latency.Merge(&w.hist)
		res.Requests += w.requests
		res.Errors += w.errors
		for c, n := range w.codes {
			res.ErrorCodes[c] += n
		}
		if res.FirstError == "" {
			res.FirstError = w.firstError
		}
	}
	return res, nil
}

// progress writes the status line: phase, time, requests, rate, errors.
func progress(o Options, start, now time.Time, done, failed int64) {
	elapsed := now.Sub(start)
	phase := "warm-up"
	shown := elapsed
	total := o.Warmup
	rate := ""
	if elapsed >= o.Warmup {
		phase = "measuring"
		shown = elapsed - o.Warmup
		total = o.Duration
		if secs := shown.Seconds(); secs >= 0.5 {
			rate = fmt.Sprintf("  %.0f req/s", float64(done-failed)/secs)
		}
	}
	fmt.Fprintf(o.Progress, "\r\x1b[K%s: %s %.0fs/%.0fs  %d requests%s  %d errors",
		o.Label, phase, shown.Seconds(), total.Seconds(), done, rate, failed)
}

// transportCode classifies a transport error into a short code; the
// message itself (with ports and addresses) would split the tally.
func transportCode(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "ConnectionRefused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.EPIPE):
		return "ConnectionReset"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "Timeout"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "NoLocalPorts"
	}
	return "TransportError"
}
