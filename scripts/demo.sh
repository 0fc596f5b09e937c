#!/usr/bin/env bash
# The `make demo` walk-through: simulator on loopback with live activity → mdca-forwarder
# (config/demo.yaml: CEF in RFC 5424 on stdout) for about 20 seconds → `status` → clean stop.
# Ctrl-C stops everything early; no process is left behind either way.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release}
SECONDS_TO_RUN=${DEMO_SECONDS:-20}
CONFIG=config/demo.yaml
STATE_DIR=/tmp/mdca-forwarder-demo
export MDCA_DEMO_TOKEN=demo-token

sim_pid="" fwd_pid=""
cleanup() {
    trap - EXIT INT TERM
    [ -n "$fwd_pid" ] && kill -TERM "$fwd_pid" 2>/dev/null && wait "$fwd_pid" 2>/dev/null || true
    [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'echo; echo "== interrupted"; exit 130' INT TERM

rm -rf "$STATE_DIR" && mkdir -p "$STATE_DIR"
echo "== starting mdca-simulator on 127.0.0.1:18081 (400 activities in the backlog, 5 new per second)"
"$BIN/mdca-simulator" --listen 127.0.0.1:18081 --activities 400 --live-rate 5 --token "$MDCA_DEMO_TOKEN" \
    > "$STATE_DIR/simulator.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 50); do
    grep -q '^listening on' "$STATE_DIR/simulator.log" 2>/dev/null && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$STATE_DIR/simulator.log"; echo "simulator failed to start (is port 18081 free?)"; exit 1; }
    sleep 0.1
done
head -n 1 "$STATE_DIR/simulator.log"

echo "== $BIN/mdca-forwarder check-config --config $CONFIG"
"$BIN/mdca-forwarder" check-config --config "$CONFIG" | sed 's/^/   /'

echo "== mdca-forwarder run --config $CONFIG  (CEF lines below; logs in $STATE_DIR/forwarder.log; ${SECONDS_TO_RUN}s)"
"$BIN/mdca-forwarder" run --config "$CONFIG" 2> "$STATE_DIR/forwarder.log" &
fwd_pid=$!
for _ in $(seq 1 "$SECONDS_TO_RUN"); do
    kill -0 "$fwd_pid" 2>/dev/null || break
    sleep 1
done
kill -TERM "$fwd_pid" 2>/dev/null || true
wait "$fwd_pid" && rc=0 || rc=$?
fwd_pid=""
echo
echo "== forwarder stopped (exit $rc); mdca-forwarder status --config $CONFIG"
"$BIN/mdca-forwarder" status --config "$CONFIG"
echo "== last log lines"
tail -n 5 "$STATE_DIR/forwarder.log" | sed 's/^/   /'
exit "$rc"
