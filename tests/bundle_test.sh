#!/usr/bin/env bash
# tools/bundle.sh without the opt build (which a test must not run): its library selection
# (--list-libs) on the worker binary, and a bundle assembled from that binary (--prebuilt):
# what goes into lib/ and what is left to the GPU host (cuBLAS and NCCL: not even linked), the
# packing of big libraries, the size bound, and run.sh (LD_LIBRARY_PATH, CONCORD_CUDA_LIBS,
# running the worker, errors).
set -uo pipefail

bundle=${1:-tools/bundle.sh}  # //tools:bundle
worker=${2:-worker/worker}    # //worker
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_line() {  # expect_line TEXT REGEX WHAT
  grep -Eq "$2" <<<"$1" || fail "$3: no line matches /$2/ in:"$'\n'"$1"
}
expect_no_line() {
  if grep -Eq "$2" <<<"$1"; then fail "$3: a line matches /$2/:"$'\n'"$(grep -E "$2" <<<"$1")"; fi
}

# ---- --list-libs ----------------------------------------------------------------------------
libs=$("$bundle" --list-libs "$worker") || fail "--list-libs $worker exited $?"
for lib in libgloo.so libgrpc++.so libprotobuf.so libabsl_ libstdc++.so.6 libgcc_s.so.1; do
  expect_line "$libs" "^bundle ${lib//+/\\+}[^ ]* /" "the worker's $lib is bundled"
done
expect_line "$libs" '^host libc\.so\.6$' "glibc is the host's"
expect_line "$libs" '^host libcudart\.so' "the CUDA runtime is the host's"
expect_no_line "$libs" '^bundle (libc|libm|libpthread|libdl|librt|libcuda|libcudart|libcublas|libcublasLt|libnccl)\.so' \
  "host libraries are not bundled"
expect_no_line "$libs" '^bundle ld-linux|^missing ' "no loader, nothing missing"
expect_no_line "$libs" '^[a-z]+ (libcublas|libcublasLt|libnccl)\.so' \
  "cuBLAS and NCCL are loaded on first use, not linked"

script_libs=$("$bundle" --list-libs "$bundle") || fail "--list-libs on a script exited $?"
[ -z "$script_libs" ] || fail "a script has no libraries, got: $script_libs"
if "$bundle" --list-libs "$tmp/no-such-binary" 2>/dev/null; then fail "--list-libs of a missing file succeeded"; fi

# ---- --prebuilt -----------------------------------------------------------------------------
out="$tmp/bundle"
"$bundle" --out="$out" --prebuilt "$worker" || fail "--prebuilt exited $?"
[ -x "$out/bin/worker" ] || fail "no bin/worker"
[ -x "$out/run.sh" ] || fail "no run.sh"
[ -f "$out/MANIFEST" ] || fail "no MANIFEST"
grep -q '^needs glibc >= 2\.[0-9]*' "$out/MANIFEST" || fail "MANIFEST names no glibc version"
for host_lib in libc.so.6 libm.so.6 libcudart.so.13 libcublas.so.13 libnccl.so.2 ld-linux-x86-64.so.2; do
  [ ! -e "$out/lib/$host_lib" ] || fail "lib/ holds the host's $host_lib"
done
[ -f "$out/lib/libgloo.so.0" ] || fail "lib/ lacks libgloo.so.0"
[ -f "$out/lib/cxx/libstdc++.so.6" ] && [ ! -e "$out/lib/libstdc++.so.6" ] ||
  fail "libstdc++.so.6 belongs in lib/cxx (used only where the host's is too old)"
big=$(find "$out/lib" -type f -size +16M)
[ -z "$big" ] || fail "unpacked libraries over 16 MiB: $big"
[ -f "$out/lib/libopenblas.so.0.gz" ] || fail "OpenBLAS (35 MB) is not packed"
size_kib=$(du -sk "$out" | cut -f1)
[ "$size_kib" -lt $((64 * 1024)) ] || fail "the bundle is $size_kib KiB, over 64 MiB"

# ---- run.sh ---------------------------------------------------------------------------------
help=$("$out/run.sh" worker --help 2>&1)  # absl's --help exits 1
grep -q '^worker: ' <<<"$help" || fail "run.sh worker --help printed no help: $help"
# cuBLAS and NCCL are where the worker's dlopen finds them here, so run.sh does not warn.
if grep -q 'would not find them' <<<"$help"; then fail "run.sh warns about cuBLAS/NCCL: $help"; fi
[ -f "$out/lib/libopenblas.so.0" ] || fail "run.sh did not unpack libopenblas.so.0"

mkdir -p "$tmp/cuda-a" "$tmp/cuda-b"
env_out=$(CONCORD_CUDA_LIBS="$tmp/cuda-a:$tmp/cuda-b" LD_LIBRARY_PATH=/caller "$out/run.sh" /usr/bin/env)
path=$(sed -n 's/^LD_LIBRARY_PATH=//p' <<<"$env_out")
case "$path" in
  "$out/lib:$tmp/cuda-a:$tmp/cuda-b:"*":/caller" | "$out/lib:$tmp/cuda-a:$tmp/cuda-b:/caller") ;;
  *) fail "LD_LIBRARY_PATH should be lib/, then CONCORD_CUDA_LIBS, ..., then the caller's: $path" ;;
esac
# This machine's libstdc++ is GCC 12's: enough, so lib/cxx stays out unless forced.
case "$path" in *"$out/lib/cxx"*) fail "lib/cxx used although the host's libstdc++ suffices: $path" ;; esac
forced=$(CONCORD_BUNDLED_LIBSTDCXX=1 "$out/run.sh" /usr/bin/env | sed -n 's/^LD_LIBRARY_PATH=//p')
case "$forced" in
  "$out/lib:$out/lib/cxx:"*) ;;
  *) fail "CONCORD_BUNDLED_LIBSTDCXX=1 should put lib/cxx right after lib/: $forced" ;;
esac
help=$(CONCORD_BUNDLED_LIBSTDCXX=1 "$out/run.sh" worker --help 2>&1)
grep -q '^worker: ' <<<"$help" || fail "the worker does not run with the bundled libstdc++: $help"
resolved=$(LD_LIBRARY_PATH="$path" ldd "$out/bin/worker" | grep 'libgloo.so')
grep -q "$out/lib/libgloo.so.0" <<<"$resolved" || fail "libgloo resolves outside the bundle: $resolved"

"$out/run.sh" no-such-binary 2>/dev/null
[ $? -eq 2 ] || fail "run.sh with an unknown binary should exit 2"

if [ "$failures" -eq 0 ]; then echo "PASS"; else echo "$failures failure(s)"; fi
[ "$failures" -eq 0 ]
