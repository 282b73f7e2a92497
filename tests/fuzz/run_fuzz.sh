#!/bin/bash
# Builds the safetensors header fuzz target with clang/libFuzzer and runs it for a while.
# Usage: run_fuzz.sh SOURCE_DIR WORK_DIR SECONDS
# Exit status: 0 no finding, 1 a finding or a build error, 77 skipped (no usable clang/libFuzzer).
# Environment: CLANGXX (default clang++), SENTILAB_SHARED_DIR (default SOURCE_DIR/../shared, as in
# CMake; when it holds the tiny checkpoint, its header seeds the corpus).
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 SOURCE_DIR WORK_DIR SECONDS" >&2
    exit 2
fi
SOURCE_DIR=$1
WORK_DIR=$2
SECONDS_TO_RUN=$3
CXX=${CLANGXX:-clang++}

if ! command -v "$CXX" >/dev/null 2>&1; then
    echo "SKIPPED: $CXX not found; install clang and libclang-rt-14-dev to run the fuzzer"
    exit 77
fi

mkdir -p "$WORK_DIR/corpus" "$WORK_DIR/artifacts" || exit 1

# Some installations have clang but not the libFuzzer runtime: probe before the real build.
PROBE="$WORK_DIR/probe.cpp"
cat >"$PROBE" <<'EOF'
#include <cstddef>
#include <cstdint>
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *, size_t) { return 0; }
EOF
if ! "$CXX" -fsanitize=fuzzer,address,undefined "$PROBE" -o "$WORK_DIR/probe" \
        >"$WORK_DIR/probe.log" 2>&1; then
    echo "SKIPPED: $CXX cannot link -fsanitize=fuzzer (install libclang-rt-14-dev):"
    tail -n 3 "$WORK_DIR/probe.log"
    exit 77
fi

TARGET="$WORK_DIR/fuzz_safetensors_header"
SOURCES=("$SOURCE_DIR/tests/fuzz/fuzz_safetensors_header.cpp"
         "$SOURCE_DIR/core/src/safetensorsheader.cpp")
HEADERS=("$SOURCE_DIR/core/src/safetensorsheader.h" "$SOURCE_DIR/core/include/sentilab/error.h")
rebuild=no
[ -x "$TARGET" ] || rebuild=yes
for file in "${SOURCES[@]}" "${HEADERS[@]}" "$0"; do
    [ "$file" -nt "$TARGET" ] && rebuild=yes
done
if [ $rebuild = yes ]; then
    echo "Building $TARGET"
    if ! "$CXX" -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined \
            -fno-sanitize-recover=undefined \
            -I "$SOURCE_DIR/core/include" -I "$SOURCE_DIR/core/src" \
            "${SOURCES[@]}" -o "$TARGET.new"; then
        echo "FAILED: the fuzz target does not build"
        exit 1
    fi
    mv "$TARGET.new" "$TARGET" || exit 1
fi

# Seed corpus: writes "u64 little-endian length of HEADER, HEADER, DATA_BYTES zero bytes".
seed() {
    name=$1 header=$2 dataBytes=$3
    length=$(printf '%s' "$header" | wc -c)
    {
        # shellcheck disable=SC2059 # the format is the escaped length bytes by construction
        printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((length % 256)) $((length / 256 % 256)) \
            $((length / 65536 % 256)) $((length / 16777216 % 256)))"
        printf '\000\000\000\000'
        printf '%s' "$header"
        head -c "$dataBytes" /dev/zero
    } >"$WORK_DIR/corpus/$name"
}
seed minimal '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}' 8
seed two_tensors '{"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[2,3],'\
'"data_offsets":[0,12]},"b":{"dtype":"F64","shape":[],"data_offsets":[12,20]}}    ' 20
seed empty_tensor '{"e":{"dtype":"U8","shape":[0,4],"data_offsets":[0,0]}}' 0
GOLDEN="${SENTILAB_SHARED_DIR:-$SOURCE_DIR/../shared}/golden/model/tiny-seqcls/model.safetensors"
if [ -f "$GOLDEN" ]; then
    # The whole header plus a little data keeps inputs small; the copy stays in WORK_DIR.
    head -c 4600 "$GOLDEN" >"$WORK_DIR/corpus/tiny_seqcls_head"
fi

cat >"$WORK_DIR/safetensors.dict" <<'EOF'
"__metadata__"
"dtype"
"shape"
"data_offsets"
"format"
"pt"
"BOOL"
"U8"
"I8"
"F8_E5M2"
"F8_E4M3"
"I16"
"U16"
"F16"
"BF16"
"I32"
"U32"
"F32"
"F64"
"I64"
"U64"
"\x00\x00\x00\x00\x00\x00\x00"
EOF

echo "Fuzzing for $SECONDS_TO_RUN s (corpus in $WORK_DIR/corpus)"
# libFuzzer's own default exit code for a finding is 77, which ctest would read as "skipped".
"$TARGET" "$WORK_DIR/corpus" -dict="$WORK_DIR/safetensors.dict" \
    -max_total_time="$SECONDS_TO_RUN" -error_exitcode=1 -timeout_exitcode=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$WORK_DIR/artifacts/" -print_final_stats=1 \
    >"$WORK_DIR/fuzz.log" 2>&1
status=$?
grep -E '^Done|stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE' \
    "$WORK_DIR/fuzz.log"
if [ $status -ne 0 ]; then
    tail -n 60 "$WORK_DIR/fuzz.log"
    echo "FAILED: libFuzzer exited with $status; reproducer under $WORK_DIR/artifacts/"
    exit 1
fi
echo "PASSED: no finding"
exit 0
