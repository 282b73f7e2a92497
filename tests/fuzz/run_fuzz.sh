#!/bin/bash
# Builds one libFuzzer target with clang (ASan + UBSan) and runs it for a while.
# Usage: run_fuzz.sh SOURCE_DIR WORK_DIR TARGET SECONDS
#   TARGET: a name from the table below (fuzz_TARGET.cpp in this folder); SECONDS 0 only replays
#   the corpus. Seeds are read from SOURCE_DIR/tests/fuzz/corpus/TARGET (never written); new
#   inputs go to WORK_DIR/TARGET/corpus, findings to WORK_DIR/TARGET/artifacts. Objects are
#   shared by the targets in WORK_DIR/obj and rebuilt only when a source, a header it includes or
#   this script is newer (ccache is used when installed).
# Exit status: 0 no finding, 1 a finding or a build error, 2 bad usage, 77 skipped (no usable
# clang/libFuzzer, or LibTorch headers missing for a LibTorch target).
# Environment: CLANGXX (default clang++), SENTILAB_SHARED_DIR (default SOURCE_DIR/../shared, as
# in CMake: reference data some targets seed from), TORCH_INCLUDE (default /usr/include).
set -u

# name             max_len  dictionary       libraries  core/src/<module>/*.cpp besides fuzz_NAME.cpp
# (libraries: comma-separated)
# (@checkpoint: the state-dict loader's files, CHECKPOINT_SOURCES)
CHECKPOINT_SOURCES='checkpoint/statedict checkpoint/picklecheck checkpoint/zipcheck checkpoint/safetensors checkpoint/safetensorsheader text/textexcerpt'
TARGETS='
safetensors_header 4096     safetensors      -          checkpoint/safetensorsheader
safetensors_file   8192     safetensors      torch      @checkpoint
pytorch_bin        8192     pytorch_bin      torch      @checkpoint
tokenizer          4096     -                utf8proc   text/tokenizer text/unicodetext
experiment_yaml    4096     experiment_yaml  yaml-cpp,crypto training/experimentconfig training/studyconfig hub/sha256stream
dataset            4096     json             -          text/dataset text/boundedjson text/textexcerpt hub/cachedsnapshot hub/hubcache
distilbert_config  4096     json             -          model/distilbertconfig text/boundedjson text/textexcerpt
hub_listing        4096     json             crypto     hub/hublisting hub/hubcache text/textexcerpt
'

if [ $# -ne 4 ]; then
    echo "usage: $0 SOURCE_DIR WORK_DIR TARGET SECONDS" >&2
    exit 2
fi
SOURCE_DIR=$(cd "$1" && pwd) || exit 2
WORK_DIR=$2
TARGET=$3
SECONDS_TO_RUN=$4
CXX=${CLANGXX:-clang++}
TORCH_INCLUDE=${TORCH_INCLUDE:-/usr/include}
SCRIPT="$SOURCE_DIR/tests/fuzz/run_fuzz.sh"

row=$(printf '%s\n' "$TARGETS" | awk -v t="$TARGET" '$1 == t')
if [ -z "$row" ]; then
    known=$(printf '%s\n' "$TARGETS" | awk 'NF { printf " %s", $1 }')
    echo "unknown target '$TARGET'; known:$known" >&2
    exit 2
fi
read -r _ MAX_LEN DICT_NAME LIBRARIES CORE_SOURCES <<<"$row"
CORE_SOURCES=${CORE_SOURCES//@checkpoint/$CHECKPOINT_SOURCES}

if ! command -v "$CXX" >/dev/null 2>&1; then
    echo "SKIPPED: $CXX not found; install clang and libclang-rt-14-dev to run the fuzzer"
    exit 77
fi
CCACHE=()
command -v ccache >/dev/null 2>&1 && CCACHE=(ccache)

OBJ_DIR="$WORK_DIR/obj"
RUN_DIR="$WORK_DIR/$TARGET"
mkdir -p "$OBJ_DIR" "$RUN_DIR/corpus" "$RUN_DIR/artifacts" "$RUN_DIR/tmp" || exit 1

# Some installations have clang but not the libFuzzer runtime: probe once before the real build.
if [ ! -x "$OBJ_DIR/probe" ] || [ "$SCRIPT" -nt "$OBJ_DIR/probe" ]; then
    printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
        'extern "C" int LLVMFuzzerTestOneInput(const uint8_t *, size_t) { return 0; }' \
        >"$OBJ_DIR/probe.cpp"
    if ! "$CXX" -fsanitize=fuzzer,address,undefined "$OBJ_DIR/probe.cpp" -o "$OBJ_DIR/probe" \
            >"$OBJ_DIR/probe.log" 2>&1; then
        echo "SKIPPED: $CXX cannot link -fsanitize=fuzzer (install libclang-rt-14-dev):"
        tail -n 3 "$OBJ_DIR/probe.log"
        exit 77
    fi
fi

SANITIZE=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
CXXFLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer "${SANITIZE[@]}" -fsanitize=fuzzer-no-link
          -D_GLIBCXX_USE_CXX11_ABI=1 -I "$SOURCE_DIR/core/include" -I "$SOURCE_DIR/tests/fuzz")
for module in "$SOURCE_DIR"/core/src/*/; do # private headers are included by name
    CXXFLAGS+=(-I "$module")
done
LDLIBS=()
for library in ${LIBRARIES//,/ }; do
    case $library in
    -) ;;
    torch)
        if [ ! -f "$TORCH_INCLUDE/torch/csrc/api/include/torch/types.h" ]; then
            echo "SKIPPED: LibTorch headers not found under $TORCH_INCLUDE (install libtorch-dev)"
            exit 77
        fi
        # As the CMake build compiles core (Debian's Torch package sets these).
        CXXFLAGS+=(-isystem "$TORCH_INCLUDE/torch/csrc/api/include" -DGFLAGS_IS_A_DLL=0
                   -DGLOG_CUSTOM_PREFIX_SUPPORT -DUSE_C10D_GLOO -DUSE_DISTRIBUTED -DUSE_RPC
                   -DUSE_TENSORPIPE)
        LDLIBS+=(-Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 -Wl,--as-needed) ;;
    *) LDLIBS+=("-l$library") ;;
    esac
done

# True when $1 is missing or older than $2, this script, or any header listed in the .d file $3.
stale() {
    local out=$1 source=$2 deps=$3 dep
    [ -f "$out" ] || return 0
    [ "$source" -nt "$out" ] || [ "$SCRIPT" -nt "$out" ] && return 0
    [ -f "$deps" ] || return 0
    for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$deps"); do
        [ "$dep" -nt "$out" ] && return 0
    done
    return 1
}

# One build at a time in WORK_DIR (ctest -j may start several targets): the objects are shared.
exec 9>"$OBJ_DIR/build.lock"
command -v flock >/dev/null 2>&1 && flock 9
OBJECTS=()
for source in "$SOURCE_DIR/tests/fuzz/fuzz_$TARGET.cpp" \
        $(for file in $CORE_SOURCES; do echo "$SOURCE_DIR/core/src/$file.cpp"; done); do
    object="$OBJ_DIR/$(basename "$source" .cpp).o"
    OBJECTS+=("$object")
    if stale "$object" "$source" "${object%.o}.d"; then
        echo "Compiling $(basename "$source")"
        if ! "${CCACHE[@]}" "$CXX" "${CXXFLAGS[@]}" -MMD -MF "${object%.o}.d" -c "$source" \
                -o "$object"; then
            rm -f "$object"
            echo "FAILED: $(basename "$source") does not build"
            exit 1
        fi
    fi
done
BINARY="$RUN_DIR/fuzz_$TARGET"
relink=no
[ -x "$BINARY" ] || relink=yes
for object in "${OBJECTS[@]}"; do
    [ "$object" -nt "$BINARY" ] && relink=yes
done
if [ $relink = yes ]; then
    echo "Linking $BINARY"
    if ! "$CXX" "${SANITIZE[@]}" -fsanitize=fuzzer "${OBJECTS[@]}" "${LDLIBS[@]}" \
            -o "$BINARY.new"; then
        echo "FAILED: fuzz_$TARGET does not link"
        exit 1
    fi
    mv "$BINARY.new" "$BINARY" || exit 1
fi
exec 9>&-

# Seeds from the reference data, copied into the work corpus (never into the source tree).
SHARED=${SENTILAB_SHARED_DIR:-$SOURCE_DIR/../shared}
export SENTILAB_SHARED_DIR=$SHARED
case $TARGET in
safetensors_header)
    # The whole header plus a little data keeps the input small.
    GOLDEN="$SHARED/golden/model/tiny-seqcls/model.safetensors"
    [ -f "$GOLDEN" ] && head -c 4600 "$GOLDEN" >"$RUN_DIR/corpus/tiny_seqcls_head" ;;
distilbert_config)
    for config in "$SHARED"/golden/model/*/config.json "$SHARED"/models/*/config.json; do
        [ -f "$config" ] && cp "$config" "$RUN_DIR/corpus/$(basename "$(dirname "$config")").json"
    done ;;
esac

SEEDS="$SOURCE_DIR/tests/fuzz/corpus/$TARGET"
DICT="$SOURCE_DIR/tests/fuzz/dict/$DICT_NAME.dict"
OPTIONS=(-max_len="$MAX_LEN" -error_exitcode=1 -timeout_exitcode=1 -timeout=5 -rss_limit_mb=2048
         -artifact_prefix="$RUN_DIR/artifacts/" -print_final_stats=1)
[ -f "$DICT" ] && OPTIONS+=(-dict="$DICT")
if [ "$SECONDS_TO_RUN" -gt 0 ]; then
    OPTIONS+=(-max_total_time="$SECONDS_TO_RUN")
else
    OPTIONS+=(-runs=0)
fi
CORPORA=("$RUN_DIR/corpus")
[ -d "$SEEDS" ] && CORPORA+=("$SEEDS")

echo "Fuzzing fuzz_$TARGET for $SECONDS_TO_RUN s (new inputs in $RUN_DIR/corpus)"
# libFuzzer's own default exit code for a finding is 77, which ctest would read as "skipped".
# TMPDIR: the targets that need files write them there. lsan.supp: a known LibTorch leak.
TMPDIR="$RUN_DIR/tmp" OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE \
    LSAN_OPTIONS="suppressions=$SOURCE_DIR/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    "$BINARY" "${OPTIONS[@]}" "${CORPORA[@]}" >"$RUN_DIR/fuzz.log" 2>&1
status=$?
grep -E '^#[0-9]+.*(INITED|DONE)|^Done|stat::number_of_executed_units|stat::peak_rss_mb' \
    "$RUN_DIR/fuzz.log"
echo "corpus: $(find "${CORPORA[@]}" -type f | wc -l) files"
if [ $status -ne 0 ]; then
    tail -n 60 "$RUN_DIR/fuzz.log"
    echo "FAILED: libFuzzer exited with $status; reproducer under $RUN_DIR/artifacts/"
    exit 1
fi
echo "PASSED: no finding"
exit 0
