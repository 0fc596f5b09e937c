#!/usr/bin/env bash
# RELP throughput (release build): `mdca-forwarder once` drains ACTIVITIES activities from
# mdca-simulator (pages of 5000) into a local rsyslogd with imrelp, and every record counts
# only once rsyslogd answered `rsp 200`. rsyslogd runs "durable": a direct main queue and
# omfile writing each message before imrelp answers it, so what it acknowledged is in its
# file (the setting the README recommends for acknowledged delivery).
#
#   scripts/bench-relp.sh [--bin DIR] [--activities N] [--window N] [--runs N]
#
# Reports records per second = activities / wall time of `once` (API paging and decoding
# included, so it is a lower bound of the output's own rate) and checks the file holds every
# activity.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.build/release ACTIVITIES=100000 WINDOW=128 RUNS=1
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN=$2; shift 2 ;;
        --activities) ACTIVITIES=$2; shift 2 ;;
        --window) WINDOW=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        *) echo "bench-relp.sh: unknown argument $1" >&2; exit 64 ;;
    esac
done
[ -x /usr/sbin/rsyslogd ] || { echo "bench-relp.sh: rsyslogd missing (make deps)" >&2; exit 1; }
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so ] || [ -n "$(find /usr/lib -name imrelp.so 2>/dev/null | head -n 1)" ] \
    || { echo "bench-relp.sh: imrelp missing (apt-get install rsyslog-relp, or make deps)" >&2; exit 1; }

tmp=$(mktemp -d)
sim_pid="" rsyslog_pid=""
cleanup() {
    [ -n "$rsyslog_pid" ] && kill -KILL "$rsyslog_pid" 2>/dev/null || true
    [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

export MDCA_BENCH_TOKEN=bench-token
"$BIN/mdca-simulator" --listen 127.0.0.1:0 --activities "$ACTIVITIES" --token "$MDCA_BENCH_TOKEN" \
    > "$tmp/sim.out" 2> "$tmp/sim.err" &
sim_pid=$!
for _ in $(seq 1 3000); do grep -q '^listening on http://' "$tmp/sim.out" && break; sleep 0.1; done
sim_url=$(sed -n '1s/^listening on //p' "$tmp/sim.out")
[ -n "$sim_url" ] || { echo "bench-relp.sh: simulator did not start" >&2; cat "$tmp/sim.err" >&2; exit 1; }

run() {
    local n=$1 port wall status=0 lines
    rm -rf "$tmp/work" "$tmp/received.log" "$tmp/state.json"
    mkdir -p "$tmp/work"
    port=$(free_port)
    cat > "$tmp/rsyslog.conf" <<CONF
global(workDirectory="$tmp/work" maxMessageSize="64k")
main_queue(queue.type="direct")
module(load="imrelp")
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="relp") { action(type="omfile" file="$tmp/received.log" template="raw" flushOnTXEnd="on") }
input(type="imrelp" port="$port" address="127.0.0.1" ruleset="relp" maxDataSize="64k")
CONF
    /usr/sbin/rsyslogd -n -f "$tmp/rsyslog.conf" -i "$tmp/rsyslogd.pid" > "$tmp/rsyslog.err" 2>&1 &
    rsyslog_pid=$!
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    cat > "$tmp/config.yaml" <<YAML
tenant:
  url: $sim_url
  auth:
    token_env: MDCA_BENCH_TOKEN
activities:
  page_size: 5000
  settle_time: 1s
state:
  path: $tmp/state.json
outputs:
  - name: relp
    url: relp://127.0.0.1:$port
    format: cef
    syslog: rfc5424
    relp: {window: $WINDOW}
log:
  level: notice
YAML
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$BIN/mdca-forwarder" once --config "$tmp/config.yaml" 2> "$tmp/run.err" || status=$?
    if [ "$status" != 0 ]; then echo "bench-relp.sh: mdca-forwarder once exited $status" >&2; cat "$tmp/run.err" >&2; exit 1; fi
    kill -KILL "$rsyslog_pid" 2>/dev/null || true
    wait "$rsyslog_pid" 2>/dev/null || true
    rsyslog_pid=""
    # `once` returned only after every record was acknowledged, so the file is complete now.
    lines=$(wc -l < "$tmp/received.log")
    if [ "$lines" != "$ACTIVITIES" ]; then
        echo "bench-relp.sh: expected $ACTIVITIES lines in rsyslog's file, got $lines" >&2
        exit 1
    fi
    read -r wall user sys maxrss_kib < "$tmp/time"
    awk -v n="$n" -v lines="$lines" -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$maxrss_kib" 'BEGIN {
        printf "  run %d: %d records acknowledged, wall %.2f s => %.0f records/s; forwarder CPU %.2f s, peak RSS %.1f MiB\n",
            n, lines, wall, lines / wall, user + sys, rss / 1024
    }'
}

echo "relp: mdca-forwarder once -> rsyslogd imrelp (durable), $ACTIVITIES activities, window $WINDOW, page_size 5000, $RUNS run(s)"
for n in $(seq 1 "$RUNS"); do run "$n"; done
