#!/usr/bin/env bash
# The load test of `icp serve` (docs/performance.md, "icp serve"; docs/serve.md).
#
#   benches/serve/run.sh           1,000 requests/s of one lead each for 60 s
#   benches/serve/run.sh soak      the same rate for 10 minutes: is resident memory flat?
#   RATE=200 DURATION=2 benches/serve/run.sh    any other rate (requests/s) and length (s)
#
# Builds `icp`, the shipped plugins and the load generator (`serve_load`, benches/serve) in
# release, generates 1,000 leads with `icp gen` (JSON Lines, contacts nested), starts
# `icp serve` on a free loopback port in the repository (its icp.toml, rules and plugins with
# the demo data, as of 2026-11-23), runs `serve_load` against it — open loop: request k is
# due at k/RATE s and its latency counts from then — and stops the server with SIGTERM. It
# prints the errors, the latency percentiles and the server's resident memory (every second
# with `soak`), and exits 1 if any request failed. The tests run a short version of the same
# client (crates/icp_cli/tests/serve_reload.rs, 200 requests/s for 2 s).
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=${1:-run}
rate=${RATE:-1000}
case "$mode" in
  run) duration=${DURATION:-60} ;;
  soak) duration=${DURATION:-600} ;;
  *) echo "usage: $0 [run|soak]" >&2; exit 2 ;;
esac

cargo build --release -q -p icp_cli -p plugin_funding -p plugin_events -p plugin_job_changes
cargo build --release -q -p icp_benches --bin serve_load
bin="${CARGO_TARGET_DIR:-target}/release"

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/icp" gen --companies 1000 --seed 7 --format jsonl -o "$work/leads.jsonl" 2>/dev/null

"$bin/icp" serve --addr 127.0.0.1:0 --as-of 2026-11-23 2>"$work/serve.log" &
server=$!
addr=""
for _ in $(seq 1 300); do
  addr=$(sed -n 's|^icp serve: listening on http://||p' "$work/serve.log")
  [ -n "$addr" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 2; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "icp serve did not start" >&2; cat "$work/serve.log" >&2; exit 2; }

echo "icp serve (pid $server) on $addr: $rate requests/s for $duration s, $(nproc) cores"
status=0
"$bin/serve_load" --addr "$addr" --leads "$work/leads.jsonl" --rate "$rate" \
  --seconds "$duration" --connections 32 --pid "$server" >"$work/report.txt" || status=$?
if [ "$mode" = soak ]; then
  cat "$work/report.txt"
else
  grep -v '^rss ' "$work/report.txt"
fi
kill -TERM "$server"
wait "$server" || true
server=""
exit "$status"
