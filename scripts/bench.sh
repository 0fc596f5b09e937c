#!/usr/bin/env bash
# `make bench` (after the release builds): the machine, decode + CEF throughput on one core,
# then end-to-end CPU and peak RSS of `mdca-forwarder once`, and the Python loop for comparison.
# Figures and their reading: README.md, "Performance".
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
BENCH_BIN=${BENCH_BIN:-Benchmarks/.build/release}

echo "== machine"
echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpu:     $(nproc) cores available, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "memory:  $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "kernel:  $(uname -sr)"
echo "swift:   $(swift --version 2>/dev/null | head -n 1)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; other work on the machine inflates wall time, less so CPU time)"

# The real records (copied from the product's samples into the test fixtures).
samples=Tests/Fixtures/activities-real.json
echo "== decode + format ($BENCH_BIN/decode-format-bench, real records from $samples)"
"$BENCH_BIN/decode-format-bench" --samples "$samples" --seconds "${BENCH_SECONDS:-1.5}"

echo
echo "== end to end: mdca-forwarder once, simulator -> tcp receiver, page_size 5000"
# CPU time on a shared 2-core machine varies by +-15% between runs: three runs, median.
scripts/bench-e2e.sh --bin "$BIN" --activities 100000 --runs "${BENCH_RUNS:-3}"
echo
echo "== kafka producer alone (the kafka output's producer, acks=all + idempotence, to librdkafka's mock cluster)"
"$BIN/mdca-kafka-mock" --produce 100000 --batch 1000 < /dev/null
"$BIN/mdca-kafka-mock" --produce 100000 --batch 5000 < /dev/null
echo
echo "== end to end: mdca-forwarder once, simulator -> kafka (librdkafka mock cluster, 3 brokers), page_size 5000"
scripts/bench-e2e.sh --bin "$BIN" --activities 100000 --runs "${BENCH_RUNS:-3}" --output kafka
echo
echo "== peak RSS with ~5 KB records, and independence of the backlog length"
scripts/bench-e2e.sh --bin "$BIN" --activities 100000 --record-bytes 5000
scripts/bench-e2e.sh --bin "$BIN" --activities 25000 --record-bytes 5000
echo
echo "== the scripted alternative (scripts/bench/python_baseline.py), same simulator and receiver"
scripts/bench-e2e.sh --bin "$BIN" --activities 100000 --python-baseline
echo
echo "== acknowledged delivery: relp:// to a local rsyslogd (imrelp, durable), page_size 5000"
scripts/bench-relp.sh --bin "$BIN" --activities 100000 --runs "${BENCH_RUNS:-3}"
