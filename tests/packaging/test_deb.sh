#!/usr/bin/env bash
# Issue 9's install test: builds the Debian package from an existing build, checks it (Depends
# from dpkg-shlibdeps with OpenBLAS, files, icons, man pages, lintian, desktop-file-validate,
# appstreamcli), installs it (dpkg -i as root; else dpkg -x into a temporary root), then, with an
# empty HOME, no reference data and a local hub on 127.0.0.1, runs what a new user does:
# --version, the first-run message, download dataset + model, train the smoke experiment from
# /usr/share, predict, report, and the desktop entry's Exec line under xvfb-run; finally
# dpkg -r / --purge must remove every file of the package.
#
#   test_deb.sh BUILD_DIR HUBSERVE SHARED_DIR VERSION
#
# Exit 77 (skipped) when the reference data, dpkg-dev or the desktop app is missing.
# SENTILAB_DEB_TEST_INSTALL=0 forces the dpkg -x mode even as root.
set -euo pipefail
build=$1
hubserve=$2
shared=$3
version=$4

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

for f in data/sst2/train.jsonl data/sst2/validation.jsonl data/sst2/test.jsonl \
         models/distilbert-base-uncased/vocab.txt golden/model/tiny-seqcls/config.json \
         golden/model/tiny-seqcls/model.safetensors; do
  [ -f "$shared/$f" ] || skip "shared reference data not found (expected $shared/$f)"
done
command -v dpkg-deb >/dev/null || skip "dpkg-deb not found: not a Debian system"
command -v dpkg-shlibdeps >/dev/null || skip "dpkg-shlibdeps not found: install dpkg-dev (scripts/install-deps.sh)"
[ -x "$build/app/sentilab" ] || skip "no desktop app in $build (built with SENTILAB_BUILD_UI=OFF)"

work=$(mktemp -d "${TMPDIR:-/tmp}/sentilab-deb.XXXXXX")
server_pid=""
gui_pid=""
installed=0
cleanup() {
  if [ -n "$gui_pid" ]; then kill -TERM -- "-$gui_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  if [ "$installed" = 1 ]; then dpkg --purge sentilab >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step "cpack -G DEB in $build"
(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack failed"; }
deb="$work/pkg/sentilab_${version}_amd64.deb"
[ -f "$deb" ] || fail "cpack wrote no $deb (found: $(ls "$work/pkg"))"

step "control fields"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "package version $(dpkg-deb -f "$deb" Version), expected $version"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# libc6 and libtorch1.13 can only come from dpkg-shlibdeps; OpenBLAS is added by hand.
for dep in libopenblas0-pthread libtorch1.13 libqt6widgets6 libqcustomplot2.1-qt6 libc6; do
  grep -Eq "(^|, )$dep( |,|$)" <<<"$depends" || fail "Depends lacks $dep: $depends"
done

step "files"
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/bin/sentilab /usr/bin/sentilab-cli \
         /usr/share/applications/io.github.sentilab.SentiLab.desktop \
         /usr/share/metainfo/io.github.sentilab.SentiLab.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/sentilab.svg \
         /usr/share/icons/hicolor/{48x48,64x64,128x128,256x256}/apps/sentilab.png \
         /usr/share/man/man1/sentilab-cli.1.gz /usr/share/man/man1/sentilab.1.gz \
         /usr/share/doc/sentilab/copyright /usr/share/doc/sentilab/changelog.gz \
         /usr/share/sentilab/experiments/{smoke,scratch,finetune}.yaml; do
  grep -qx "$f" <<<"$files" || fail "the package lacks $f"
done
root="$work/root"
dpkg-deb -x "$deb" "$root"
for size in 48 64 128 256; do
  png="$root/usr/share/icons/hicolor/${size}x${size}/apps/sentilab.png"
  read -r b0 b1 b2 b3 b4 b5 b6 b7 < <(od -An -tu1 -j16 -N8 "$png")
  width=$(( (b0 << 24) | (b1 << 16) | (b2 << 8) | b3 ))
  height=$(( (b4 << 24) | (b5 << 16) | (b6 << 8) | b7 ))
  [ "$width" = "$size" ] && [ "$height" = "$size" ] || fail "$png is ${width}x${height}, not ${size}x${size}"
done
man=$(gzip -dc "$root/usr/share/man/man1/sentilab-cli.1.gz")
grep -q "sentilab-cli $version" <<<"$man" || fail "sentilab-cli.1 does not name version $version"
grep -q "download" <<<"$man" || fail "sentilab-cli.1 does not describe the download subcommand"
grep -q "HF_HUB_CACHE" <<<"$man" || fail "sentilab-cli.1 has no ENVIRONMENT section"
grep -q "<release version=\"$version\"" "$root/usr/share/metainfo/io.github.sentilab.SentiLab.metainfo.xml" ||
  fail "the AppStream metainfo has no release $version"

step "validators"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$root/usr/share/applications/io.github.sentilab.SentiLab.desktop" ||
    fail "desktop-file-validate"
else
  echo "note: desktop-file-validate not installed (desktop-file-utils); skipped"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$root/usr/share/metainfo/io.github.sentilab.SentiLab.metainfo.xml" ||
    fail "appstreamcli validate"
else
  echo "note: appstreamcli not installed (appstream); skipped"
fi
if command -v lintian >/dev/null; then
  # Errors and warnings fail (the package ships no overrides); info tags are only listed.
  lintian --fail-on error,warning --display-info "$deb" 2>&1 | grep -v "running with root privileges" ||
    true
  lintian --fail-on error,warning "$deb" >/dev/null 2>&1 || fail "lintian reports errors or warnings (above)"
else
  echo "note: lintian not installed; skipped"
fi

step "install"
if [ "$(id -u)" = 0 ] && [ "${SENTILAB_DEB_TEST_INSTALL:-1}" != 0 ] &&
   ! dpkg-query -W -f='${Status}' sentilab 2>/dev/null | grep -q "install ok installed"; then
  dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i $deb"; }
  installed=1
  prefix=/usr
  echo "installed with dpkg -i"
else
  prefix="$root/usr"
  echo "note: not root, sentilab already installed or SENTILAB_DEB_TEST_INSTALL=0: running from the dpkg -x tree $root"
fi
cli="$prefix/bin/sentilab-cli"
written_nearby() {
  find "$prefix/bin" -maxdepth 1 -newer "$deb" \( -name '*sentilab*' -o -name '*.db' -o -name checkpoints \) 2>/dev/null
  find "$prefix/share/sentilab" -newer "$deb" 2>/dev/null
}
snapshot_before=$(written_nearby | sort)

# A new user: empty HOME, no reference data, no configuration; only the local hub.
home="$work/home"
mkdir -p "$home" "$work/cwd"
cd "$work/cwd"
runenv=(env -i PATH="$prefix/bin:/usr/bin:/bin" HOME="$home" LANG=C.UTF-8 TMPDIR="$work"
        OMP_WAIT_POLICY=PASSIVE QT_QPA_PLATFORM=offscreen)

step "sentilab-cli --version"
out=$("${runenv[@]}" "$cli" --version)
[ "$(head -n1 <<<"$out")" = "sentilab-cli $version" ] || fail "--version printed '$out'"

step "first run: the message names what is missing and the download commands"
smoke="$prefix/share/sentilab/experiments/smoke.yaml"
if "${runenv[@]}" "$cli" train "$smoke" >"$work/first.out" 2>"$work/first.err"; then
  fail "train succeeded without data"
fi
cat "$work/first.err"
for part in "sentilab-cli download dataset SetFit/sst2" \
            "sentilab-cli download model distilbert-base-uncased --file config.json --file vocab.txt" \
            "$home/.cache/huggingface/hub/datasets--SetFit--sst2"; do
  grep -qF -- "$part" "$work/first.err" || fail "the first-run message lacks '$part'"
done
if grep -q "268 MB" "$work/first.err"; then fail "a scratch run asked for the 268 MB weights"; fi

step "local hub"
# The tiny test checkpoint stands in for distilbert-base-uncased (vocab cut to its 1000 ids).
mkdir -p "$work/hub/model" "$work/hub/sst2"
cp "$shared/golden/model/tiny-seqcls/config.json" "$shared/golden/model/tiny-seqcls/model.safetensors" "$work/hub/model/"
head -n 1000 "$shared/models/distilbert-base-uncased/vocab.txt" >"$work/hub/model/vocab.txt"
cp "$shared"/data/sst2/{train,validation,test}.jsonl "$work/hub/sst2/"
"$hubserve" --model "distilbert-base-uncased=$work/hub/model" --dataset "SetFit/sst2=$work/hub/sst2" \
  --endpoint-file "$work/endpoint" 2>"$work/hub.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/endpoint" ] && break; sleep 0.1; done
[ -s "$work/endpoint" ] || { cat "$work/hub.log"; fail "the local hub did not start"; }
runenv+=(HF_ENDPOINT="$(cat "$work/endpoint")")

step "sentilab-cli download dataset SetFit/sst2"
"${runenv[@]}" "$cli" download dataset SetFit/sst2 || fail "download dataset"
step "sentilab-cli download model distilbert-base-uncased"
"${runenv[@]}" "$cli" download model distilbert-base-uncased || fail "download model"
ls "$home"/.cache/huggingface/hub/datasets--SetFit--sst2/snapshots/*/train.jsonl >/dev/null ||
  fail "SST-2 is not in the Hugging Face cache"

step "sentilab-cli train $smoke"
"${runenv[@]}" "$cli" train "$smoke" >"$work/train.out" 2>&1 || { cat "$work/train.out"; fail "train"; }
tail -n 2 "$work/train.out"
grep -q "run 1 finished" "$work/train.out" || fail "the smoke run did not finish"
[ -f "$home/.local/share/sentilab/sentilab.db" ] || fail "no run store at ~/.local/share/sentilab"
[ -d "$home/.local/share/sentilab/checkpoints/run-1" ] || fail "no checkpoints beside the run store"

step "sentilab-cli predict"
out=$("${runenv[@]}" "$cli" predict --run 1 "a gorgeous, witty, seductive movie.") || fail "predict"
echo "$out"
grep -Eq "positive|negative" <<<"$out" || fail "predict printed no verdict"

step "sentilab-cli report"
"${runenv[@]}" "$cli" report --runs 1 --out "$work/report.pdf" --attention-cases 2 >/dev/null ||
  fail "report"
[ "$(head -c 4 "$work/report.pdf")" = "%PDF" ] || fail "report.pdf is not a PDF"

step "nothing written next to the executables"
snapshot_after=$(written_nearby | sort)
[ "$snapshot_before" = "$snapshot_after" ] || fail "files appeared under $prefix: $snapshot_after"

step "the desktop entry's Exec line starts the GUI and it stays up"
exec_line=$(sed -n 's/^Exec=//p' "$root/usr/share/applications/io.github.sentilab.SentiLab.desktop")
read -r -a exec_words <<<"${exec_line//%[fFuU]/}"
guivars=(PATH="$prefix/bin:/usr/bin:/bin" HOME="$home" LANG=C.UTF-8 TMPDIR="$work"
         OMP_WAIT_POLICY=PASSIVE)
if command -v xvfb-run >/dev/null; then
  # xvfb-run sets DISPLAY and XAUTHORITY; everything else comes from the empty environment.
  gui=(xvfb-run -a sh -c 'exec env -i DISPLAY="$DISPLAY" XAUTHORITY="$XAUTHORITY" "$@"' sh
       "${guivars[@]}" QT_QPA_PLATFORM=xcb "${exec_words[@]}")
else
  echo "note: xvfb-run not installed; the GUI runs on the offscreen platform"
  gui=(env -i "${guivars[@]}" QT_QPA_PLATFORM=offscreen "${exec_words[@]}")
fi
setsid "${gui[@]}" >"$work/gui.log" 2>&1 &
gui_pid=$!
sleep 8
kill -0 "$gui_pid" 2>/dev/null || { cat "$work/gui.log"; fail "the GUI exited within 8 s"; }
kill -TERM -- "-$gui_pid" 2>/dev/null || true
wait "$gui_pid" 2>/dev/null || true
gui_pid=""
[ -f "$home/.local/share/sentilab/sentilab.db" ] || fail "the GUI has no run store"
if grep -q "error:" "$work/gui.log"; then cat "$work/gui.log"; fail "the GUI logged an error"; fi

if [ "$installed" = 1 ]; then
  step "dpkg -r and dpkg --purge remove the package"
  kill "$server_pid" 2>/dev/null || true
  server_pid=""
  cd /
  dpkg -r sentilab >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -r"; }
  dpkg --purge sentilab >>"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg --purge"; }
  installed=0
  while read -r f; do
    [ -z "$f" ] || [ -d "$f" ] && continue
    [ -e "$f" ] && fail "$f is still there after dpkg --purge"
  done <<<"$files"
  if dpkg-query -W -f='${Status}' sentilab 2>/dev/null | grep -q installed; then
    fail "dpkg still lists sentilab"
  fi
else
  echo "note: removal not tested (the package was not installed with dpkg -i)"
fi
echo "PASS: the .deb builds, installs, gets its data on first run, trains, predicts, reports and starts"
