#!/usr/bin/env bash
# End-to-end cost of `mdca-forwarder once` (release build): drain ACTIVITIES activities from
# mdca-simulator (pages of 5000) into a local TCP receiver (CEF, RFC 5424, LF framing) and
# report the forwarder process's CPU seconds (user + sys) and peak RSS (GNU time).
#
#   scripts/bench-e2e.sh [--bin DIR] [--activities N] [--record-bytes B] [--runs N] [--python-baseline]
#                        [--output tcp|kafka]
#
# --output kafka sends the same CEF (without syslog header, the kafka default) to librdkafka's
# mock cluster (mdca-kafka-mock: 3 brokers on loopback, topic of 3 partitions, replication 3;
# the mock answers each partition's produce request in turn, so more partitions add latency
# per batch that a real cluster does not have)
# instead of the TCP receiver; `once` exits 0 only when the brokers acknowledged every record.
#
# Only the forwarder (or, with --python-baseline, the Python loop) is measured; the simulator
# and the receiver run beside it. Everything listens on 127.0.0.1 with port 0.
# CPU time on a shared machine is noisy: --runs N repeats the drain and reports the median.
# BENCH_WRAP="perf record -o FILE" runs the forwarder under a profiler.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.build/release ACTIVITIES=100000 RECORD_BYTES=0 PYTHON_BASELINE=0 RUNS=1 OUTPUT=tcp
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN=$2; shift 2 ;;
        --activities) ACTIVITIES=$2; shift 2 ;;
        --record-bytes) RECORD_BYTES=$2; shift 2 ;;
        --python-baseline) PYTHON_BASELINE=1; shift ;;
        --runs) RUNS=$2; shift 2 ;;
        --output) OUTPUT=$2; shift 2 ;;
        *) echo "bench-e2e.sh: unknown argument $1" >&2; exit 64 ;;
    esac
done
[ -x /usr/bin/time ] || { echo "bench-e2e.sh: GNU time missing (apt-get install time, or make deps)" >&2; exit 1; }

tmp=$(mktemp -d)
sim_pid="" recv_pid="" mock_pid=""
cleanup() {
    [ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null || true
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
    [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# Waits (up to $3 seconds) for a line matching $2 in file $1, while process $4 lives.
wait_for_line() {
    local i
    for i in $(seq 1 $(($3 * 10))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$4" 2>/dev/null || { cat "$1" "$1.err" 2>/dev/null >&2; return 1; }
        sleep 0.1
    done
    echo "bench-e2e.sh: timed out waiting for '$2' in $1" >&2
    return 1
}

export MDCA_BENCH_TOKEN=bench-token
"$BIN/mdca-simulator" --listen 127.0.0.1:0 --activities "$ACTIVITIES" --record-size-bytes "$RECORD_BYTES" \
    --token "$MDCA_BENCH_TOKEN" > "$tmp/sim.out" 2> "$tmp/sim.out.err" &
sim_pid=$!
wait_for_line "$tmp/sim.out" '^listening on http://' 300 "$sim_pid"
sim_url=$(sed -n '1s/^listening on //p' "$tmp/sim.out")

if [ "$OUTPUT" = kafka ]; then
    # The mock cluster runs until its stdin closes: a FIFO held open by this shell.
    mkfifo "$tmp/mock.in"
    "$BIN/mdca-kafka-mock" --topic bench --partitions 3 < "$tmp/mock.in" > "$tmp/mock.out" 2> "$tmp/mock.out.err" &
    mock_pid=$!
    exec 9> "$tmp/mock.in"
    wait_for_line "$tmp/mock.out" '^bootstrap ' 30 "$mock_pid"
    bootstrap=$(sed -n '1s/^bootstrap //p' "$tmp/mock.out")
fi

# One run: a fresh receiver and state file, the same simulator (the forwarder starts from the
# initial lookback each time, so every run drains the same activities).
run() {
    local n=$1 recv_port lines bytes wall user sys maxrss_kib status=0
    rm -f "$tmp/state.json" "$tmp/py-state.json"
    if [ "$OUTPUT" = kafka ]; then run_kafka "$n"; return; fi
    python3 scripts/bench/receiver.py --expect "$ACTIVITIES" --timeout 600 > "$tmp/recv.$n.out" &
    recv_pid=$!
    wait_for_line "$tmp/recv.$n.out" '^listening ' 30 "$recv_pid"
    recv_port=$(sed -n '1s/^listening //p' "$tmp/recv.$n.out")
    cat > "$tmp/config.yaml" <<YAML
tenant:
  url: $sim_url
  auth:
    token_env: MDCA_BENCH_TOKEN
  requests_per_minute: 30
activities:
  page_size: 5000
  settle_time: 1s
state:
  path: $tmp/state.json
outputs:
  - name: bench
    url: tcp://127.0.0.1:$recv_port
    format: cef
    syslog: rfc5424
log:
  level: notice
YAML
    if [ "$PYTHON_BASELINE" = 1 ]; then
        cmd=(python3 scripts/bench/python_baseline.py "$sim_url" "$MDCA_BENCH_TOKEN" 127.0.0.1 "$recv_port" "$tmp/py-state.json")
    else
        # BENCH_WRAP profiles the forwarder, e.g. BENCH_WRAP="perf record -o /tmp/perf.data".
        cmd=(${BENCH_WRAP:-} "$BIN/mdca-forwarder" once --config "$tmp/config.yaml")
    fi
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "${cmd[@]}" 2> "$tmp/run.err" || status=$?
    if [ "$status" != 0 ]; then
        echo "bench-e2e.sh: $what exited $status" >&2; cat "$tmp/run.err" >&2; exit 1
    fi
    [ -n "${BENCH_WRAP:-}" ] && cat "$tmp/run.err" >&2
    wait "$recv_pid" || true
    recv_pid=""
    read -r _ lines bytes < <(tail -n 1 "$tmp/recv.$n.out")
    read -r wall user sys maxrss_kib < "$tmp/time"
    if [ "$lines" != "$ACTIVITIES" ]; then
        echo "bench-e2e.sh: expected $ACTIVITIES lines at the receiver, got $lines" >&2
        exit 1
    fi
    awk -v n="$n" -v lines="$lines" -v bytes="$bytes" -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$maxrss_kib" 'BEGIN {
        printf "  run %d: %d lines / %.1f MB received, wall %.2f s, CPU %.2f s (user %.2f + sys %.2f), peak RSS %.1f MiB\n",
            n, lines, bytes / 1e6, wall, user + sys, user, sys, rss / 1024
    }'
    echo "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $maxrss_kib" >> "$tmp/runs"
}

# One run against the mock cluster: the forwarder's exit status is the delivery check.
run_kafka() {
    local n=$1 wall user sys maxrss_kib status=0
    cat > "$tmp/config.yaml" <<YAML
tenant:
  url: $sim_url
  auth:
    token_env: MDCA_BENCH_TOKEN
  requests_per_minute: 30
activities:
  page_size: 5000
  settle_time: 1s
state:
  path: $tmp/state.json
outputs:
  - name: bench
    url: kafka://$bootstrap/bench
    format: cef
log:
  level: notice
YAML
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" ${BENCH_WRAP:-} "$BIN/mdca-forwarder" once --config "$tmp/config.yaml" 2> "$tmp/run.err" || status=$?
    if [ "$status" != 0 ]; then
        echo "bench-e2e.sh: $what exited $status" >&2; cat "$tmp/run.err" >&2; exit 1
    fi
    read -r wall user sys maxrss_kib < "$tmp/time"
    awk -v n="$n" -v a="$ACTIVITIES" -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$maxrss_kib" 'BEGIN {
        printf "  run %d: %d records acknowledged by the brokers, wall %.2f s (%.0f records/s), CPU %.2f s (user %.2f + sys %.2f), peak RSS %.1f MiB\n",
            n, a, wall, a / wall, user + sys, user, sys, rss / 1024
    }'
    echo "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $maxrss_kib" >> "$tmp/runs"
}

if [ "$PYTHON_BASELINE" = 1 ]; then what="python baseline (urllib + json + CEF + socket + checkpoint file)"; else what="mdca-forwarder once ($OUTPUT)"; fi
echo "$what: $ACTIVITIES activities ($([ "$RECORD_BYTES" -gt 0 ] && echo "records padded to $RECORD_BYTES B" || echo "records of natural size, ~2.8 KB")), page_size 5000, $RUNS run(s)"
for n in $(seq 1 "$RUNS"); do run "$n"; done
sort -n "$tmp/runs" | awk -v n="$ACTIVITIES" '{ cpu[NR] = $1; if ($2 > rss) rss = $2 } END {
    median = (NR % 2) ? cpu[(NR + 1) / 2] : (cpu[NR / 2] + cpu[NR / 2 + 1]) / 2
    printf "  => CPU per 100,000 activities: median %.2f s, best %.2f s; peak RSS (max over runs) %.1f MiB\n",
        median * 100000 / n, cpu[1] * 100000 / n, rss / 1024
}'
