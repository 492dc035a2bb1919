#!/usr/bin/env bash
# GPU workers end to end (skipped, passing, where nvidia-smi finds no GPU):
#  - W = 1 on cuda:0 with NCCL (comm_backend=nccl) trains 20 steps and stays close to the CPU
#    standalone trainer (GPU and CPU round differently: 1e-3 relative);
#  - W = 2 workers sharing the one GPU through Gloo's pinned host staging (auto picks Gloo:
#    NCCL refuses two ranks on one GPU) end with the W = 1 GPU parameters within float
#    rounding (1e-5 relative), the equivalence invariant on the GPU.
#   distributed_gpu_test.sh WORKER COORDINATOR COMPARE_CHECKPOINTS [DATA_DIR]
# DATA_DIR (or $CONCORD_TEST_DATA): IDX files to train on; default a 2,000/500-sample slice of
# Debian's Fashion-MNIST (tools/bundle.sh --tests ships one for GPU hosts that lack it).
set -uo pipefail
worker=$1 coordinator=$2 compare=$3 data=${4:-${CONCORD_TEST_DATA:-}}
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; for f in "$tmp"/*.log; do echo "== $f"; tail -5 "$f"; done; exit 1; }
if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "SKIPPED: no GPU (nvidia-smi -L found none)"
  exit 0
fi
if [ -z "$data" ]; then
  data="$tmp/data"
  "$(dirname "$0")/make_fmnist_slice.sh" "$data" 2000 500 || fail "cannot slice Fashion-MNIST"
fi
job=(--dataset="$data" --epochs=1 --batch_size=100 --momentum=0.9 --log_interval=100)

source "$(dirname "$0")/start_coordinator.sh"
run_job() {  # run_job NAME WORLD COORDINATOR_ARGS...
  local name=$1 world=$2; shift 2
  start_coordinator "$tmp/$name-coord.log" --world_size="$world" "${job[@]}" --run_dir="$tmp/$name" "$@"
  local pids=()
  for ((r = 0; r < world; r++)); do
    "$worker" --coordinator=127.0.0.1:$port --device=cuda:0 --collective_timeout=60s > "$tmp/$name-r$r.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fail "a worker of $name failed"; done
  wait $coord_pid || fail "the $name coordinator failed"
  grep -q '"steps": 20' "$tmp/$name-coord.log" || fail "$name: expected 20 steps"
}

"$worker" --standalone --device=cpu "${job[@]}" --run_dir="$tmp/cpu" > "$tmp/cpu.log" 2>&1 || fail "CPU run failed"
run_job nccl1 1 --comm_backend=nccl
grep -q "nccl all-reduce on cuda:0" "$tmp/nccl1-r0.log" || fail "W=1 did not use NCCL on cuda:0"
run_job gloo2 2
grep -q "gloo all-reduce on cuda:0" "$tmp/gloo2-r0.log" || fail "W=2 on one GPU did not fall back to Gloo"
last() { ls "$1"/checkpoint-*.ckpt | tail -1; }
out=$("$compare" "$(last "$tmp/nccl1")" "$(last "$tmp/cpu")" 1e-3) || fail "GPU W=1 vs CPU: $out"
echo "GPU W=1 (NCCL) vs CPU standalone: $out"
out=$("$compare" "$(last "$tmp/gloo2")" "$(last "$tmp/nccl1")" 1e-5) || fail "GPU W=2 (Gloo) vs GPU W=1: $out"
echo "GPU W=2 (Gloo staging) vs GPU W=1 (NCCL): $out"
grep -h "test accuracy\|samples/s" "$tmp"/*-coord.log | tail -4
echo "PASS"
