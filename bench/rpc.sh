#!/usr/bin/env bash
# bench/rpc.sh: the RPC figures of docs/benchmarks.md.
#
# Builds localyun, starts `localyun serve` on :0 ports in a temporary data
# directory (audit on, in its default group-commit mode), creates accounts A
# and B, lets `localyun bench setup` create B's role trusting A's root, a
# user of A with AliyunSTSAssumeRoleAccess and a user of B with
# AliyunRAMReadOnlyAccess (2 AccessKeys each), then runs AssumeRole and
# GetRole at each client count, each beside a bare net/http handler, and
# prints a markdown table.
#
# Settings (environment): ACTIONS ("AssumeRole GetRole"), CLIENTS (1,8,64),
# DURATION (10s), WARMUP (2s),
# NONCE_CAP (10000000: the default cap of 200000 nonces per AccessKey in the
# 15-minute window would throttle a benchmark; see docs/benchmarks.md),
# KEEP=1 keeps the work directory (logs, raw JSON).
#
# Needs go, jq and curl. Exit status: 0 when every request succeeded.
set -euo pipefail

ACTIONS=${ACTIONS:-AssumeRole GetRole}
CLIENTS=${CLIENTS:-1,8,64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
NONCE_CAP=${NONCE_CAP:-10000000}

root=$(cd "$(dirname "$0")/.." && pwd)
umask 077
work=$(mktemp -d "${TMPDIR:-/tmp}/localyun-bench.XXXXXX")
server_pid=""
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -INT "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [[ ${KEEP:-0} == 1 ]]; then
		echo "work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

echo "building localyun..." >&2
(cd "$root" && go build -o "$work/localyun" ./cmd/localyun)
ly="$work/localyun"
data="$work/data"

"$ly" serve --data-dir "$data" --http 127.0.0.1:0 --https 127.0.0.1:0 \
	--nonce-cap "$NONCE_CAP" --log-level warn >"$work/serve.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 300); do
	if [[ -s $data/addresses.json ]] && ep=$(jq -er .http "$data/addresses.json" 2>/dev/null); then
		break
	fi
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "localyun serve exited:" >&2
		cat "$work/serve.log" >&2
		exit 1
	fi
	sleep 0.1
done
curl -fsS "http://$ep/readyz" >/dev/null
echo "server on $ep (data directory $data)" >&2

export LOCALYUN_DATA_DIR=$data
"$ly" account create --name bench-a --json >"$work/a.json"
"$ly" account create --name bench-b --json >"$work/b.json"
"$ly" bench setup --endpoint "$ep" --account-a "$work/a.json" --account-b "$work/b.json" --json >"$work/setup.json"

status=0
results=()
for action in $ACTIONS; do
	results+=("$work/$action.json")
	echo "benchmarking $action at $CLIENTS clients ($WARMUP warm-up + $DURATION each, with the baseline)..." >&2
	"$ly" bench rpc --endpoint "$ep" --setup "$work/setup.json" --action "$action" \
		--clients "$CLIENTS" --duration "$DURATION" --warmup "$WARMUP" --baseline --json \
		>"$work/$action.json" || status=$?
done

jq -rs --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" '
  def f0: . * 1 | round | tostring;
  def f2: (. * 100 | round) as $x | "\($x / 100 | floor).\($x % 100 | tostring | if length < 2 then "0" + . else . end)";
  "Machine: \(.[0].cpus) CPUs (\($cpu)), \(.[0].go_version); \(.[0].duration) measured after \(.[0].warmup) warm-up per run; audit on (default group commit).",
  "",
  "| action | clients | localyun req/s | p50 ms | p90 ms | p99 ms | max ms | errors | bare net/http req/s | p50 ms | p99 ms |",
  "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  (.[] | .action as $a | .results as $r
    | ($r | map(select(.target == "localyun"))[]) as $l
    | ($r | map(select(.target == "bare net/http" and .clients == $l.clients))[0]) as $b
    | "| \($a) | \($l.clients) | \($l.requests_per_second | f0) | \($l.p50_ms | f2) | \($l.p90_ms | f2) | \($l.p99_ms | f2) | \($l.max_ms | f2) | \($l.errors) | \($b.requests_per_second | f0) | \($b.p50_ms | f2) | \($b.p99_ms | f2) |")
' "${results[@]}"

if grep -q . <(jq -r '.results[] | select(.errors > 0) | "\(.target) \(.clients): \(.error_codes)"' "${results[@]}"); then
	echo >&2
	echo "errors:" >&2
	jq -r '.action as $a | .results[] | select(.errors > 0) | "  \($a) \(.target) \(.clients) clients: \(.error_codes) \(.first_error // "")"' \
		"${results[@]}" >&2
fi
if [[ -s $work/serve.log ]]; then
	echo >&2
	echo "server log (warnings and errors):" >&2
	tail -n 20 "$work/serve.log" >&2
fi
exit "$status"
