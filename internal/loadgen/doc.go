// Package loadgen generates closed-loop HTTP load and measures it: N
// workers each send a request, wait for the whole response, check it, and
// send the next, for a warm-up period and then a measured period. It
// reports the requests, the errors by code, the throughput and the
// latency distribution (p50, p90, p99, max) of each run. `localyun bench`
// drives it; docs/benchmarks.md has the figures.
//
// Driving it:
//
//	res, err := loadgen.Run(ctx, loadgen.Target{
//		Client:     loadgen.NewClient(64),
//		NewRequest: rpc.NewRequest, // a fresh V1-signed request each time
//		Check:      loadgen.CheckRPC(loadgen.AssumeRoleOK),
//	}, loadgen.Options{Clients: 8, Duration: 10 * time.Second, Warmup: 2 * time.Second})
//
// What is measured: the latency of a request runs from just before it is
// sent to when its body has been read to the end; building and signing the
// request and checking the response happen outside it. A request counts in
// the measured period when it completes inside it, so the period's length
// is exactly Options.Duration. Throughput counts successful responses
// only; failed ones are counted by code and kept out of the latency
// distribution.
//
// Latencies go into a log-linear Histogram (relative error under 0.4%), so
// memory stays constant however long a run is.
//
// RPC is the request builder for Alibaba Cloud RPC APIs: POST, parameters
// in the query, V1 (HMAC-SHA1) signature with a fresh nonce per request,
// exactly as the monolithic Go SDK sends them. Call sends one such request
// and decodes the answer, for setting up a benchmark. BareServer is the
// baseline: a net/http server that answers every request with fixed bytes.
package loadgen
