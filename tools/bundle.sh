#!/usr/bin/env bash
# A relocatable bundle of Concord's binaries, for a GPU host that has the NVIDIA driver, CUDA 13
# and NCCL (e.g. inside a PyTorch install) but no Bazel, gRPC, Gloo or protobuf. See
# "Running on a GPU host without Bazel" in BUILD-NOTES.md.
#
#   tools/bundle.sh [--out=DIR] [--tests] [--native] [TARGET...]
#   tools/bundle.sh [--out=DIR] --prebuilt BINARY...
#   tools/bundle.sh --list-libs BINARY...
#
# Builds TARGETs (default //worker:worker //coordinator:coordinator) with
# `bazel build -c opt --config=opt` and writes DIR (default ./bundle):
#   bin/          the binaries
#   lib/          the shared libraries they load (ldd), except what the GPU host provides:
#                 the CUDA libraries (libcuda, libcudart) and glibc (libc, libm, libpthread,
#                 libdl, librt, ld-linux, ...). cuBLAS (libcublas, libcublasLt) and NCCL
#                 (libnccl, over 200 MB) are the host's too; the binaries do not link them but
#                 dlopen them on first use, so ldd does not list them. Libraries over 16 MiB are stored gzip'ed and unpacked by run.sh on
#                 first use (into lib/, or ~/.cache/concord-bundle when lib/ is read-only): that
#                 is OpenBLAS (35 MB with kernels for every x86 CPU, 10 MB packed), and it keeps
#                 the bundle under 64 MiB.
#   lib/cxx/      GCC 12's libstdc++ and libgcc_s (2.3 MB), used only where the host's libstdc++
#                 lacks a GLIBCXX/CXXABI version the bundle needs (a GPU host older than GCC 12):
#                 Debian 12's libstdc++ itself needs glibc 2.36, while the rest runs on 2.34
#                 (Ubuntu 22.04 has 2.35 and GCC 12's libstdc++). CONCORD_BUNDLED_LIBSTDCXX=1 or
#                 0 forces the choice.
#   run.sh        `run.sh BINARY [ARGS...]`: runs bin/BINARY (or tests/BINARY) with
#                 LD_LIBRARY_PATH = lib/, $CONCORD_CUDA_LIBS, /usr/local/cuda/lib64 and the
#                 nvidia/*/lib folders of a pip-installed PyTorch, after checking that every
#                 linked library resolves (else exit 127), and warning when a binary that loads
#                 cuBLAS or NCCL on first use would not find them (CPU runs do without).
#   MANIFEST      commit, build flags, files, and the oldest glibc the bundle runs with.
# --tests       also builds every test tagged "gpu" (bazel query 'attr(tags, gpu, tests(//...))')
#               into tests/ (a test with data as a copy of its runfiles tree, its `args`
#               expanded into tests/NAME.test), and writes run_tests.sh [NAME...], which runs
#               each through run.sh and ends with a line "N passed, N failed"; data/ holds a
#               2,000/500-sample Fashion-MNIST slice for the end-to-end GPU test, and bench/
#               the GPU benchmark against PyTorch (bench/gpu_vs_torch.sh).
# --native      keeps --config=opt's -march=native. By default the bundle is built for
#               -march=x86-64-v3 (AVX2, FMA; any x86 GPU host of the last decade), because the
#               GPU host's CPU is not this one: a native build can die there of SIGILL.
# --prebuilt    bundles the given executables (paths) as they are, without Bazel (no tests).
# --list-libs   prints the library selection for BINARY... without building ("bundle NAME PATH",
#               "host NAME" or "missing NAME" per line; exit 1 if any is missing).
#
# Opt outputs go to a separate output directory (--platform_suffix=bundle), so switching -march
# does not throw away the native opt build of the benchmarks, and Bazel's bazel-bin symlinks
# are left alone (--symlink_prefix=/).
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "bundle.sh: $*" >&2; exit 1; }

# Libraries the GPU host provides, by soname: CUDA, NCCL, and glibc's own libraries (mixing
# glibc parts of two versions breaks; a host always has its own). cuBLAS and NCCL are loaded
# with dlopen and never appear in ldd's output now; they stay listed in case a binary links them.
is_host_lib() {
  case "$1" in
    linux-vdso.so* | linux-gate.so* | ld-linux*.so* | ld64.so*) return 0 ;;
    libcuda.so* | libcudart.so* | libcublas.so* | libcublasLt.so* | libnccl.so*) return 0 ;;
    libc.so* | libm.so* | libmvec.so* | libpthread.so* | libdl.so* | librt.so* | libresolv.so* | \
      libutil.so* | libanl.so* | libnsl.so* | libBrokenLocale.so* | libthread_db.so*) return 0 ;;
  esac
  return 1
}

# Prints the selection for the given binaries (see --list-libs), unique, sorted.
list_libs() {
  local bin line name path
  for bin in "$@"; do
    [ -f "$bin" ] || die "--list-libs: no such file: $bin"
    # Scripts and static binaries have no libraries: ldd says "not a dynamic executable".
    if ! ldd "$bin" >/dev/null 2>&1; then continue; fi
    while IFS= read -r line; do
      line="${line#"${line%%[![:space:]]*}"}"  # trim leading blanks
      case "$line" in
        *" => not found"*) name="${line%% *}"
          if is_host_lib "$name"; then echo "host $name"; else echo "missing $name"; fi ;;
        *" => "*) name="${line%% => *}"; path="${line#* => }"; path="${path%% (*}"
          if is_host_lib "$name"; then echo "host $name"; else echo "bundle $name $path"; fi ;;
        /*) echo "host ${line%% *}" ;;  # the dynamic loader, by path
        *) name="${line%% *}"; if is_host_lib "$name"; then echo "host $name"; fi ;;  # vdso
      esac
    done < <(ldd "$bin")
  done | sort -u
}

# ---- Arguments -----------------------------------------------------------------------------
out="bundle"
with_tests=0
native=0
prebuilt=0
targets=()
if [ "${1:-}" = "--list-libs" ]; then
  shift
  [ $# -gt 0 ] || die "--list-libs needs at least one binary"
  selection=$(list_libs "$@")
  echo "$selection"
  if grep -q '^missing ' <<<"$selection"; then exit 1; fi
  exit 0
fi
for arg in "$@"; do
  case "$arg" in
    --out=*) out="${arg#--out=}" ;;
    --tests) with_tests=1 ;;
    --native) native=1 ;;
    --prebuilt) prebuilt=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option '$arg' (see --help)" ;;
    *) targets+=("$arg") ;;
  esac
done
[ -n "$out" ] || die "--out= needs a directory"
if [ "$prebuilt" -eq 1 ]; then
  [ ${#targets[@]} -gt 0 ] || die "--prebuilt needs the executables to bundle"
  [ "$with_tests" -eq 0 ] || die "--prebuilt bundles given files only; --tests needs the build"
  for i in "${!targets[@]}"; do
    [ -f "${targets[$i]}" ] && [ -x "${targets[$i]}" ] || die "--prebuilt: not an executable: ${targets[$i]}"
    targets[$i]=$(cd "$(dirname "${targets[$i]}")" && pwd)/$(basename "${targets[$i]}")
  done
else
  [ ${#targets[@]} -gt 0 ] || targets=(//worker:worker //coordinator:coordinator)
  for t in "${targets[@]}"; do
    [[ "$t" == //* ]] || die "expected a Bazel label //package:target, got '$t' (or use --prebuilt)"
  done
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
workspace=$(pwd)
case "$out/" in
  "$workspace/"bazel-*) die "--out=$out is inside a Bazel output folder; pick another" ;;
esac

flags=(-c opt --config=opt --symlink_prefix=/ --platform_suffix=bundle)
if [ "$native" -eq 0 ]; then flags+=(--copt=-march=x86-64-v3); fi

# label_path LABEL [PACKAGE]: "//pkg:name" or "//pkg" -> "pkg/name" (a path under bazel-bin
# and under a runfiles tree's workspace folder); ":name" and "name" are in PACKAGE.
label_path() {
  local label="$1" pkg name
  case "$label" in
    //*) label="${label#//}"
      if [[ "$label" == *:* ]]; then pkg="${label%%:*}"; name="${label#*:}"; else pkg="$label"; name="${label##*/}"; fi ;;
    *) pkg="${2:-}"; name="${label#:}" ;;
  esac
  echo "${pkg:+$pkg/}$name"
}

# test_args LABEL: the test's `args`, one per line, with $(location X) / $(rootpath X) /
# $(execpath X) expanded as Bazel does for tests (paths relative to the runfiles workspace).
test_args() {
  local label="$1" pkg line arg re='\$\((location|rootpath|execpath) ([^)]*)\)'
  pkg="${label#//}"; pkg="${pkg%%:*}"
  line=$(bazel query --output=build "$label" 2>/dev/null | sed -n 's/^ *args = \[\(.*\)\],\{0,1\}$/\1/p')
  [ -n "$line" ] || return 0
  line="${line#\"}"; line="${line%\"}"
  while IFS= read -r arg; do
    while [[ "$arg" =~ $re ]]; do arg="${arg/"${BASH_REMATCH[0]}"/$(label_path "${BASH_REMATCH[2]}" "$pkg")}"; done
    echo "$arg"
  done < <(sed 's/", "/\n/g' <<<"$line")
}

test_targets=()
if [ "$with_tests" -eq 1 ]; then
  # Exit code 3: some package failed to load (--keep_going); the rest is still listed.
  query_rc=0
  query_out=$(bazel query --keep_going 'attr(tags, "\bgpu\b", tests(//...))' 2>/dev/null) || query_rc=$?
  [ "$query_rc" -eq 0 ] || [ "$query_rc" -eq 3 ] || die "bazel query for the gpu tests failed (exit $query_rc)"
  while IFS= read -r t; do [ -n "$t" ] && test_targets+=("$t"); done <<<"$query_out"
  [ ${#test_targets[@]} -gt 0 ] || die "--tests: no test is tagged gpu"
fi

if [ "$prebuilt" -eq 0 ]; then
  echo "bundle.sh: bazel build ${flags[*]} ${targets[*]} ${test_targets[*]}" >&2
  bazel build "${flags[@]}" "${targets[@]}" "${test_targets[@]}"
  bazel_bin=$(bazel info "${flags[@]}" bazel-bin 2>/dev/null)
  [ -d "$bazel_bin" ] || die "cannot find Bazel's output folder (bazel info bazel-bin)"
fi

# ---- Files ---------------------------------------------------------------------------------
rm -rf "$out/bin" "$out/lib" "$out/tests" "$out/data" "$out/bench" "$out/run.sh" "$out/run_tests.sh" "$out/MANIFEST"
mkdir -p "$out/bin" "$out/lib/cxx"
binaries=()
for t in "${targets[@]}"; do
  if [ "$prebuilt" -eq 1 ]; then src=$t; else src="$bazel_bin/$(label_path "$t")"; fi
  [ -f "$src" ] && [ -x "$src" ] || die "$t built no executable at $src (is it a cc_binary?)"
  cp -L "$src" "$out/bin/"
  binaries+=("$src")
done
# Each test gets tests/NAME.test: "exe=PATH" and "cwd=PATH" (relative to tests/), then one
# "arg=VALUE" per argument. A test with data runs inside a copy of its runfiles tree (the
# binaries in it that are also in bin/ become relative symlinks to them); others are copied.
for t in "${test_targets[@]}"; do
  mkdir -p "$out/tests"
  rel=$(label_path "$t")
  name=$(basename "$rel")
  src="$bazel_bin/$rel"
  [ -f "$src" ] || die "$t built no executable at $src"
  binaries+=("$src")
  data=$(bazel query "labels(data, $t)" 2>/dev/null || true)
  if [ -n "$data" ] && [ -d "$src.runfiles" ]; then
    cp -rL "$src.runfiles" "$out/tests/"
    while IFS= read -r -d '' f; do  # ldd every file of the original tree, in place
      binaries+=("$f")
    done < <(find -L "$src.runfiles" -type f -print0)
    for b in "$out"/bin/*; do
      while IFS= read -r -d '' f; do
        if cmp -s "$f" "$b"; then ln -sf "$(realpath --relative-to="$(dirname "$f")" "$b")" "$f"; fi
      done < <(find "$out/tests/$name.runfiles" -type f -name "$(basename "$b")" -print0)
    done
    { echo "exe=$name.runfiles/concord/$rel"; echo "cwd=$name.runfiles/concord"; } >"$out/tests/$name.test"
  else
    cp -L "$src" "$out/tests/"
    { echo "exe=$name"; echo "cwd="; } >"$out/tests/$name.test"
  fi
  test_args "$t" | sed 's/^/arg=/' >>"$out/tests/$name.test"
done

# ldd the originals in place: test binaries find Bazel's _solib_k8 libraries through $ORIGIN.
selection=$(list_libs "${binaries[@]}")
if grep '^missing ' <<<"$selection" >&2; then die "libraries above are missing on this machine"; fi
while read -r kind name path; do
  [ "$kind" = "bundle" ] || continue
  dir="$out/lib"
  case "$name" in libstdc++.so* | libgcc_s.so*) dir="$out/lib/cxx" ;; esac
  cp -L "$path" "$dir/$name"
  chmod 0644 "$dir/$name"
  if [ "$(stat -L -c %s "$dir/$name")" -gt $((16 * 1024 * 1024)) ]; then
    gzip -6 -n "$dir/$name"  # -> NAME.gz; run.sh unpacks it
  fi
done <<<"$selection"

# newest_version PREFIX FILE...: the newest symbol version PREFIX<version> the files need
# (0 if none), e.g. newest_version GLIBC_ bin/worker -> 2.34.
newest_version() {
  local prefix=$1
  shift
  local v
  v=$(printf '%s\0' "$@" | xargs -0 -r objdump -T 2>/dev/null | grep -o "${prefix}[0-9][0-9.]*" |
    sed "s/^${prefix}//" | sort -u -V | tail -n 1 || true)
  echo "${v:-0}"
}
# Everything but lib/cxx: the oldest glibc the bundle runs with, and what it needs of libstdc++.
mapfile -d '' own < <(find "$out/bin" "$out/tests" "$out/lib" -path "$out/lib/cxx" -prune -o -type f -print0 2>/dev/null)
glibc_required=$(newest_version GLIBC_ "${own[@]}")
glibcxx_required=$(newest_version GLIBCXX_ "${own[@]}")
cxxabi_required=$(newest_version CXXABI_ "${own[@]}")
cxx_glibc_required=$(newest_version GLIBC_ "$out"/lib/cxx/*)

# ---- run.sh --------------------------------------------------------------------------------
{
  echo '#!/bin/sh'
  echo "# Written by tools/bundle.sh: runs a binary of this bundle on a GPU host."
  echo "glibc_required=$glibc_required glibcxx_required=$glibcxx_required cxxabi_required=$cxxabi_required"
  echo "cxx_glibc_required=$cxx_glibc_required  # of lib/cxx"
  cat <<'EOF'
# run.sh BINARY [ARGS...]: runs bin/BINARY (or tests/BINARY, or a path) with LD_LIBRARY_PATH set
# to this bundle's lib/, then $CONCORD_CUDA_LIBS (colon-separated folders with libcudart.so.13,
# libcublas.so.13, libcublasLt.so.13 and libnccl.so.2), /usr/local/cuda/lib64, and the
# nvidia/*/lib folders of a pip-installed PyTorch (CUDA 13 wheels), then the caller's own.
set -e
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ]; then
  echo "usage: $0 BINARY [ARGS...]   (binaries: $(ls "$here/bin" | tr '\n' ' '))" >&2
  exit 2
fi
name=$1
shift
if [ -f "$here/bin/$name" ]; then exe="$here/bin/$name"
elif [ -f "$here/tests/$name" ]; then exe="$here/tests/$name"
elif [ -f "$name" ]; then exe=$name
else
  echo "run.sh: no binary '$name' in $here/bin or $here/tests" >&2
  exit 2
fi

dirs="$here/lib"
add() { [ -d "$1" ] && case ":$dirs:" in *":$1:"*) ;; *) dirs="$dirs:$1" ;; esac; return 0; }

# Big libraries are stored gzip'ed (tools/bundle.sh): unpack each once, next to it, or into a
# cache folder when lib/ is read-only. Concurrent starts each unpack to a temporary file and
# rename it into place.
for gz in "$here"/lib/*.gz; do
  [ -f "$gz" ] || continue
  unpacked="$here/lib"
  if [ ! -w "$unpacked" ]; then
    unpacked="${XDG_CACHE_HOME:-$HOME/.cache}/concord-bundle/$(cksum <"$here/MANIFEST" | cut -d' ' -f1)"
    mkdir -p "$unpacked"
    add "$unpacked"
  fi
  lib="$unpacked/$(basename "$gz" .gz)"
  if [ ! -f "$lib" ]; then
    if ! { gzip -dc "$gz" >"$lib.$$" && mv -f "$lib.$$" "$lib"; }; then
      rm -f "$lib.$$"
      echo "run.sh: cannot unpack $gz into $unpacked" >&2
      exit 1
    fi
  fi
done
if [ -n "${CONCORD_CUDA_LIBS:-}" ]; then
  old_ifs=$IFS; IFS=:
  for d in $CONCORD_CUDA_LIBS; do add "$d"; done
  IFS=$old_ifs
fi
add /usr/local/cuda/lib64
# A pip-installed PyTorch keeps CUDA and NCCL in site-packages/nvidia/<name>/lib.
for py in python3 /usr/bin/python3; do
  command -v "$py" >/dev/null 2>&1 || continue
  roots=$("$py" -c 'import nvidia; print("\n".join(nvidia.__path__))' 2>/dev/null || true)
  for root in $roots; do for d in "$root"/*/lib; do add "$d"; done; done
done
for d in /usr/local/lib/python3*/dist-packages/nvidia/*/lib /usr/local/lib/python3*/site-packages/nvidia/*/lib \
         /usr/lib/python3/dist-packages/nvidia/*/lib "$HOME"/.local/lib/python3*/site-packages/nvidia/*/lib; do
  add "$d"
done

# version_ge A B: A >= B as versions.
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }
# The host's libstdc++ if it has every GLIBCXX/CXXABI version we need, else lib/cxx.
use_cxx=${CONCORD_BUNDLED_LIBSTDCXX:-}
if [ -z "$use_cxx" ]; then
  use_cxx=1
  host_cxx=$(ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libstdc++\.so\.6 (libc6,x86-64) => //p' | head -n 1)
  for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /usr/lib64 /lib64; do
    [ -z "$host_cxx" ] && [ -f "$d/libstdc++.so.6" ] && host_cxx="$d/libstdc++.so.6"
  done
  if [ -n "$host_cxx" ]; then
    have_glibcxx=$(grep -ao 'GLIBCXX_3\.4\.[0-9]*' "$host_cxx" | sed 's/GLIBCXX_//' | sort -u -V | tail -n 1)
    have_cxxabi=$(grep -ao 'CXXABI_1\.3\.[0-9]*' "$host_cxx" | sed 's/CXXABI_//' | sort -u -V | tail -n 1)
    if version_ge "${have_glibcxx:-0}" "$glibcxx_required" && version_ge "${have_cxxabi:-0}" "$cxxabi_required"; then
      use_cxx=0
    fi
  fi
fi
needed_glibc=$glibc_required
if [ "$use_cxx" = 1 ]; then
  dirs="$here/lib:$here/lib/cxx${dirs#"$here/lib"}"
  version_ge "$cxx_glibc_required" "$needed_glibc" && needed_glibc=$cxx_glibc_required
fi
export LD_LIBRARY_PATH="$dirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

host_glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/^glibc //')
if [ -n "$host_glibc" ] && ! version_ge "$host_glibc" "$needed_glibc"; then
  echo "run.sh: warning: this bundle needs glibc >= $needed_glibc, the host has $host_glibc$([ "$use_cxx" = 1 ] && echo " (the bundled libstdc++ needs $cxx_glibc_required: a host libstdc++ with GLIBCXX_$glibcxx_required would lower that to $glibc_required)")" >&2
fi
ldd_out=""
if [ -z "${CONCORD_SKIP_LIB_CHECK:-}" ] && command -v ldd >/dev/null 2>&1; then
  ldd_out=$(ldd "$exe" 2>/dev/null || true)
  missing=$(printf '%s\n' "$ldd_out" | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | sort -u | tr '\n' ' ')
  if [ -n "$missing" ]; then
    echo "run.sh: $(basename "$exe") needs libraries this host does not have where run.sh looked: $missing" >&2
    echo "run.sh: looked in LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >&2
    echo "run.sh: install CUDA 13 and NCCL 2 (e.g. pip install nvidia-cuda-runtime nvidia-cublas nvidia-nccl-cu13), or point CONCORD_CUDA_LIBS at their lib folders" >&2
    exit 127
  fi
fi
# cuBLAS and NCCL are not linked (ldd does not list them): a binary that uses them (its code
# names the soname) dlopens them on first use, through LD_LIBRARY_PATH, ld.so.cache, or next to
# libcudart. CPU-only runs never load them, so a missing one is a warning, not an error.
if [ -z "${CONCORD_SKIP_LIB_CHECK:-}" ]; then
  cudart_dir=$(printf '%s\n' "$ldd_out" | sed -n 's|^[[:space:]]*libcudart\.so[^ ]* => \(/.*\)/[^/]* (.*|\1|p' | head -n 1)
  cache=$(ldconfig -p 2>/dev/null || true)
  absent=""
  for lib in libcublas.so.13 libcublasLt.so.13 libnccl.so.2; do
    case "$lib" in libcublasLt*) used=libcublas.so.13 ;; *) used=$lib ;; esac
    grep -qF "$used" "$exe" 2>/dev/null || continue
    found=0
    old_ifs=$IFS; IFS=:
    for d in $LD_LIBRARY_PATH $cudart_dir; do
      if [ -n "$d" ] && [ -e "$d/$lib" ]; then found=1; fi
    done
    IFS=$old_ifs
    if [ "$found" = 0 ] && printf '%s\n' "$cache" | grep -q "^[[:space:]]*$lib "; then found=1; fi
    [ "$found" = 1 ] || absent="$absent $lib"
  done
  if [ -n "$absent" ]; then
    echo "run.sh: warning: $(basename "$exe") loads these on first GPU use and would not find them:$absent (looked in LD_LIBRARY_PATH=$LD_LIBRARY_PATH, ld.so.cache${cudart_dir:+ and $cudart_dir}); CUDA GEMM (cuBLAS) or the NCCL backend will then fail: point CONCORD_CUDA_LIBS at their folders, or train with --device=cpu / --comm_backend=gloo" >&2
  fi
fi
exec "$exe" "$@"
EOF
} >"$out/run.sh"
chmod +x "$out/run.sh"

# ---- run_tests.sh --------------------------------------------------------------------------
if [ "$with_tests" -eq 1 ]; then
  cat >"$out/run_tests.sh" <<'EOF'
#!/usr/bin/env bash
# Written by tools/bundle.sh: runs every test of this bundle (tests/NAME.test: its executable,
# folder and arguments) through run.sh, as `bazel test` would (TEST_TMPDIR, TEST_SRCDIR), and
# ends with a line "N passed, N failed" counting GoogleTest cases (a test without a GoogleTest
# report counts as one case; one that exits non-zero without failing cases, as one failure).
#   run_tests.sh [NAME...]   (default: every test)
here=$(cd "$(dirname "$0")" && pwd)
# Training data for the end-to-end tests (a GPU host has no Debian Fashion-MNIST).
[ -d "$here/data" ] && export CONCORD_TEST_DATA="$here/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$here"/tests/*.test; do [ -f "$f" ] && names+=("$(basename "$f" .test)"); done
fi
for name in "${names[@]}"; do
  spec="$here/tests/$name.test"
  if [ ! -f "$spec" ]; then
    echo "==== $name: no such test in $here/tests"
    failed=$((failed + 1))
    continue
  fi
  exe="" cwd="" args=()
  while IFS= read -r line; do
    case "$line" in
      exe=*) exe="$here/tests/${line#exe=}" ;;
      cwd=*) cwd="${line#cwd=}" ;;
      arg=*) args+=("${line#arg=}") ;;
    esac
  done <"$spec"
  xml="$work/$name.xml"
  mkdir -p "$work/$name.tmp"
  echo "==== $name"
  (
    if [ -n "$cwd" ]; then
      runfiles="$here/tests/${cwd%/concord}"
      export RUNFILES_DIR="$runfiles" TEST_SRCDIR="$runfiles"
      cd "$here/tests/$cwd" || exit 1
    else
      cd "$work/$name.tmp" || exit 1
    fi
    TEST_TMPDIR="$work/$name.tmp" TEST_WORKSPACE=concord GTEST_OUTPUT="xml:$xml" \
      "$here/run.sh" "$exe" "${args[@]}"
  )
  rc=$?
  tests=0 fails=0 skips=0
  if [ -f "$xml" ]; then
    header=$(grep -m1 -o '<testsuites [^>]*>' "$xml" || true)
    tests=$(echo "$header" | sed -n 's/.* tests="\([0-9]*\)".*/\1/p')
    fails=$(echo "$header" | sed -n 's/.* failures="\([0-9]*\)".*/\1/p')
    errors=$(echo "$header" | sed -n 's/.* errors="\([0-9]*\)".*/\1/p')
    skips=$(grep -c 'result="skipped"' "$xml" || true)
    tests=${tests:-0} fails=$(( ${fails:-0} + ${errors:-0} )) skips=${skips:-0}
  fi
  if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then fails=1; fi
  if [ "$tests" -eq 0 ]; then tests=1; fi
  ok=$((tests - fails - skips))
  [ "$ok" -lt 0 ] && ok=0
  passed=$((passed + ok)) failed=$((failed + fails)) skipped=$((skipped + skips))
  echo "==== $name: exit $rc, $ok passed, $fails failed, $skips skipped"
done
echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
EOF
  chmod +x "$out/run_tests.sh"
  # 2,000 training and 500 test samples (1.9 MB) for the end-to-end GPU tests.
  rm -rf "$out/data"
  tests/make_fmnist_slice.sh "$out/data" 2000 500 || die "cannot slice Fashion-MNIST into $out/data"
  # The GPU benchmark against PyTorch (bench/gpu_vs_torch.sh runs the bundle's worker).
  rm -rf "$out/bench"
  mkdir -p "$out/bench"
  cp tools/bench/gpu_vs_torch.sh tools/bench/torch_gpu_mlp.py tools/bench/lib.sh "$out/bench/"
fi

# ---- MANIFEST ------------------------------------------------------------------------------
{
  echo "Concord bundle"
  if commit=$(git rev-parse HEAD 2>/dev/null); then
    echo "commit: $commit$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  fi
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  if [ "$prebuilt" -eq 1 ]; then
    echo "prebuilt: ${targets[*]}"
  else
    echo "bazel build ${flags[*]}"
    echo "targets: ${targets[*]} ${test_targets[*]}"
  fi
  echo "needs glibc >= $glibc_required and libstdc++ with GLIBCXX_$glibcxx_required, CXXABI_$cxxabi_required (else lib/cxx, which needs glibc >= $cxx_glibc_required), and from the host: libcudart.so.13 (linked), the NVIDIA driver (libcuda.so.1), and for GPU work libcublas.so.13 libcublasLt.so.13 libnccl.so.2 (loaded on first use)"
  echo "host libraries: $(grep '^host ' <<<"$selection" | cut -d' ' -f2 | tr '\n' ' ')"
  echo "files:"
  (cd "$out" && find . -type f ! -name MANIFEST | sort | xargs du -k | sed 's/^/  /')
} >"$out/MANIFEST"

total=$(du -sk "$out" | cut -f1)
echo "bundle.sh: wrote $out: $(ls "$out/bin" | wc -l) binaries, $(find "$out/lib" -type f | wc -l) libraries$([ "$with_tests" -eq 1 ] && echo ", ${#test_targets[@]} tests"), $((total / 1024)) MiB ($total KiB)" >&2
if [ "$total" -gt $((64 * 1024)) ]; then
  echo "bundle.sh: warning: the bundle is over 64 MiB" >&2
fi
