#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (Fuzz/README.md). Usage:
#   Fuzz/fuzz.sh build [target...]      build (incrementally) the fuzz binaries
#   Fuzz/fuzz.sh run   [target...]      FUZZ_SECONDS each, then a table of the runs
#   Fuzz/fuzz.sh smoke [target...]      FUZZ_SMOKE_SECONDS each over the committed corpora
#   Fuzz/fuzz.sh merge [target...]      minimise what the runs found into Fuzz/corpus/<target>
#   Fuzz/fuzz.sh table [target...]      the table of the last runs (runs started separately)
# Each target is its parser's sources compiled into one module with its harness (so internal
# API is reachable) plus, where the sources import another module, that module as a static
# library; everything with -sanitize=fuzzer,address. (swiftc on Linux refuses
# -sanitize=undefined; Swift itself traps on overflow and out-of-bounds access.)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${FUZZ_DIR:-.build/fuzz}
SWIFTC=${SWIFTC:-swiftc}
FUZZ_SECONDS=${FUZZ_SECONDS:-600}
FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-3}
FLAGS=(-O -sanitize=fuzzer,address -use-ld=lld -swift-version 6 -enable-upcoming-feature ExistentialAny
       -parse-as-library -enable-testing -I "$OUT/modules" -I Sources/CMalloc)
ALL_TARGETS=(activity-json alert-json retry-after relp-frame token-answer state-file filter-validator encoder-roundtrip config-loader)
# The configuration loader sits in Forwarder, which imports most of the package: SwiftPM builds
# that module and its dependencies instrumented, in its own scratch path, and the harness is
# linked against their objects.
SPM=${FUZZ_SPM_DIR:-.build/fuzz-spm}
# The etcd answers, once high availability (Sources/Etcd) is in the tree.
[ -e Sources/Etcd/EtcdCodec.swift ] && ALL_TARGETS+=(etcd-answer)
# The smoke in `make test` leaves config-loader out unless asked (FUZZ_SMOKE_TARGETS): its
# instrumented SwiftPM build of half the package costs more than all the other targets.
SMOKE_TARGETS=(${FUZZ_SMOKE_TARGETS:-${ALL_TARGETS[@]/config-loader}})

# Libraries the targets import: name, sources, imported libraries.
module_sources() {
    case $1 in
        ActivityJSON) echo Sources/ActivityJSON/*.swift ;;
        POSIX) echo Sources/POSIX/*.swift ;;
    esac
}

# A target: its harness and parser sources (one module), then the libraries it imports.
target_sources() {
    case $1 in
        activity-json) echo Fuzz/ActivityJSONFuzz.swift Sources/ActivityJSON/*.swift ;;
        alert-json) echo Fuzz/AlertJSONFuzz.swift Sources/ActivityJSON/*.swift ;;
        retry-after) echo Fuzz/RetryAfterFuzz.swift Sources/MDCA/RetryAfter.swift ;;
        relp-frame) echo Fuzz/RELPFrameFuzz.swift Sources/Outputs/RELP/RELPFrame.swift \
            Sources/Outputs/RELP/RELPFrameDecoder.swift Sources/Outputs/RELP/RELPProtocolError.swift ;;
        token-answer) echo Fuzz/TokenAnswerFuzz.swift Sources/MDCA/TokenAnswer.swift ;;
        state-file) echo Fuzz/StateFileFuzz.swift Sources/Checkpoint/*.swift ;;
        filter-validator) echo Fuzz/FilterValidatorFuzz.swift Sources/MDCA/{FilterValue,FilterValidator,FilterTable,AlertFilterTable,EditDistance,ValueShape}.swift ;;
        encoder-roundtrip) echo Fuzz/EncoderRoundTripFuzz.swift Tests/FormatsTests/CEFParser.swift Sources/Formats/*.swift ;;
        config-loader) echo Fuzz/ConfigLoaderFuzz.swift ;;
        etcd-answer) echo Fuzz/EtcdAnswerFuzz.swift Sources/Etcd/{EtcdCodec,EtcdJSON,EtcdTypes,EtcdError,LeaderRecord}.swift ;;
        *) echo "unknown fuzz target: $1 (known: ${ALL_TARGETS[*]})" >&2; return 1 ;;
    esac
}

target_libraries() {
    case $1 in
        state-file) echo POSIX ;;
        encoder-roundtrip) echo ActivityJSON ;;
    esac
}

# True when $1 is missing or older than any of the other files.
stale() {
    local out=$1; shift
    [ -e "$out" ] || return 0
    local f
    for f in "$@"; do [ "$f" -nt "$out" ] && return 0; done
    return 1
}

build_library() {
    local name=$1 sources
    sources=$(module_sources "$name")
    # shellcheck disable=SC2086
    if stale "$OUT/modules/lib$name.a" $sources; then
        echo "fuzz: building library $name"
        mkdir -p "$OUT/modules"
        # shellcheck disable=SC2086
        "$SWIFTC" "${FLAGS[@]}" -wmo -module-name "$name" -emit-module -emit-module-path "$OUT/modules/$name.swiftmodule" \
            -emit-library -static -o "$OUT/modules/lib$name.a" $sources
    fi
}

build_config_loader() {
    local harness=(Fuzz/ConfigLoaderFuzz.swift Fuzz/Support/FuzzCheck.swift)
    local newest
    newest=$(find Sources Package.swift -newer "$OUT/bin/config-loader" -print -quit 2>/dev/null || true)
    if [ -e "$OUT/bin/config-loader" ] && [ -z "$newest" ] && ! stale "$OUT/bin/config-loader" "${harness[@]}"; then return; fi
    echo "fuzz: building config-loader (SwiftPM, Forwarder and its dependencies instrumented, in $SPM)"
    swift build -c release --target Forwarder --scratch-path "$SPM" --sanitize fuzzer --sanitize address \
        -Xswiftc -enable-testing 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|^(Building|Build complete|Compiling|Write)' || true
    # (A trailing slash: release is a symbolic link, which find does not enter otherwise.)
    local release="$SPM/release/" flags=() map
    [ -e "$release/Modules/Forwarder.swiftmodule" ] || { echo "fuzz: the SwiftPM build of Forwarder failed" >&2; return 1; }
    # The C modules Forwarder's interface mentions, and their headers.
    for map in Sources/C*/module.modulemap $(find "$SPM/checkouts" -name module.modulemap ! -path '*/Benchmarks/*'); do
        flags+=(-Xcc "-fmodule-map-file=$map" -Xcc "-I$(dirname "$map")")
    done
    local objects=()
    # (Some object files have spaces in their names.)
    mapfile -d '' objects < <(find "$release" -path '*.build/*.o' ! -path '*Tests.build/*' ! -path '*-tool.build/*' \
        ! -path '*/mdca_*' ! -path '*/mdca-*' -print0)
    mkdir -p "$OUT/bin"
    # shellcheck disable=SC2046
    "$SWIFTC" -O -sanitize=fuzzer,address -use-ld=lld -swift-version 6 -parse-as-library -module-name ConfigLoaderFuzz \
        -I "$release/Modules" "${flags[@]}" "${harness[@]}" "${objects[@]}" \
        $(pkg-config --libs libcurl rdkafka libsystemd) -o "$OUT/bin/config-loader"
}

build_target() {
    local target=$1 sources libs lib linked=()
    if [ "$target" = config-loader ]; then build_config_loader; return; fi
    sources="$(target_sources "$target") Fuzz/Support/FuzzCheck.swift"
    libs=$(target_libraries "$target")
    for lib in $libs; do
        build_library "$lib"
        linked+=("$OUT/modules/lib$lib.a")
    done
    # shellcheck disable=SC2086
    if stale "$OUT/bin/$target" $sources "${linked[@]}"; then
        echo "fuzz: building $target"
        mkdir -p "$OUT/bin"
        local name
        name=$(echo "$target" | sed -E 's/(^|-)([a-z])/\U\2/g')Fuzz
        # shellcheck disable=SC2086
        "$SWIFTC" "${FLAGS[@]}" -module-name "$name" $sources "${linked[@]}" -o "$OUT/bin/$target"
    fi
}

# libFuzzer options shared by every run of `target`.
options() {
    local target=$1
    local opts=(-print_final_stats=1 -max_len="${FUZZ_MAX_LEN:-16384}" -timeout=10 -rss_limit_mb=2048
                -artifact_prefix="$OUT/artifacts/$target/")
    [ -f "Fuzz/$target.dict" ] && opts+=(-dict="Fuzz/$target.dict")
    echo "${opts[@]}"
}

# One run: $1 target, $2 seconds, $3 directory new inputs go to. Log in $OUT/logs/<target>.log;
# prints the exit status and the number of inputs libFuzzer saved as crashes (crash-, leak-,
# timeout-, oom- files in the artifacts directory).
run_one() {
    local target=$1 seconds=$2 work=$3 artifacts="$OUT/artifacts/$1"
    mkdir -p "$work" "Fuzz/corpus/$target" "$artifacts"
    local before status=0
    before=$(find "$artifacts" -type f | wc -l)
    # shellcheck disable=SC2046
    SWIFT_BACKTRACE=enable=no "$OUT/bin/$target" $(options "$target") -max_total_time="$seconds" "$work" "Fuzz/corpus/$target" \
        > "$OUT/logs/$target.log" 2>&1 || status=$?
    echo "$status $(( $(find "$artifacts" -type f | wc -l) - before ))"
}

# One table row from a run's log: executions, exec/s, cov, ft, crashes.
row() {
    local target=$1 status=$2 crashes=$3 log="$OUT/logs/$1.log"
    local execs rate cov ft
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    # A run that failed without saving an input (a crash during start-up) still counts.
    [ "$status" = 0 ] || [ "$crashes" -gt 0 ] || crashes=1
    printf '%-18s %14s %9s %7s %7s %8s\n' "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
    [ "$crashes" = 0 ]
}

table() {
    local failed=0 target status
    printf '%-18s %14s %9s %7s %7s %8s\n' target executions exec/s cov ft crashes
    for target in "$@"; do
        # shellcheck disable=SC2046
        row "$target" $(cat "$OUT/logs/$target.status") || failed=1
    done
    if [ "$failed" = 1 ]; then
        echo "fuzz: crashes above; inputs in $OUT/artifacts/<target>/, logs in $OUT/logs/" >&2
    fi
    return $failed
}

command=${1:-run}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    if [ "$command" = smoke ]; then targets=("${SMOKE_TARGETS[@]}"); else targets=("${ALL_TARGETS[@]}"); fi
fi
mkdir -p "$OUT/logs"
[ "$command" = table ] || for target in "${targets[@]}"; do build_target "$target"; done
case $command in
    build) ;;
    table) table "${targets[@]}" ;;
    run)
        for target in "${targets[@]}"; do
            echo "fuzz: $target for ${FUZZ_SECONDS} s"
            run_one "$target" "$FUZZ_SECONDS" "$OUT/corpus/$target" > "$OUT/logs/$target.status"
        done
        table "${targets[@]}" ;;
    smoke)
        scratch=$(mktemp -d)
        trap 'rm -rf "$scratch"' EXIT
        for target in "${targets[@]}"; do
            run_one "$target" "$FUZZ_SMOKE_SECONDS" "$scratch/$target" > "$OUT/logs/$target.status"
        done
        table "${targets[@]}" ;;
    merge)
        for target in "${targets[@]}"; do
            merged=$(mktemp -d)
            # The named inputs (seeds, regression-*) stay as they are; libFuzzer adds those of
            # the rest (named by their SHA-1) that reach new coverage.
            find "Fuzz/corpus/$target" -type f ! -regex '.*/[0-9a-f]\{40\}' -exec cp {} "$merged/" \;
            # shellcheck disable=SC2046
            "$OUT/bin/$target" $(options "$target") -merge=1 "$merged" "Fuzz/corpus/$target" "$OUT/corpus/$target" \
                > "$OUT/logs/$target.merge.log" 2>&1
            rm -rf "Fuzz/corpus/$target" && mv "$merged" "Fuzz/corpus/$target"
            echo "fuzz: $target corpus: $(ls "Fuzz/corpus/$target" | wc -l) inputs, $(du -sh "Fuzz/corpus/$target" | cut -f1)"
        done ;;
    *) echo "usage: $0 build|run|smoke|merge [target...]" >&2; exit 2 ;;
esac
