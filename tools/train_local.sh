#!/usr/bin/env bash
# The default training job on this machine: installs what it needs (tools/setup.sh), builds
# the coordinator and the worker optimised, then runs a coordinator and N workers here that
# train the reference model (784-100-10 ReLU MLP, SGD lr 0.1, global batch 100) on
# Fashion-MNIST from Debian's dataset-fashion-mnist package with data-parallel SGD: each
# worker trains on its shard of every batch and the gradients are all-reduced (NCCL between
# GPU workers with a GPU each, Gloo otherwise).
# It prints the coordinator's progress and the test accuracy after each epoch, says where
# metrics and checkpoints are, and ends stdout with one JSON line: test_accuracy,
# final_train_loss, train_samples_per_sec, epochs, steps, world_size.
#
#   tools/train_local.sh [--workers=N] [--device=auto|cpu|cuda] [--epochs=N] [--config=FILE]
#                        [--dataset=DIR] [--seed=N] [--run_dir=DIR] [--resume] [--FIELD=VALUE...]
#
# --workers: default one per GPU (nvidia-smi -L), each seeing only its own GPU through
# CUDA_VISIBLE_DEVICES; without GPUs (or with --device=cpu), 2 CPU workers. More workers than
# GPUs share them round-robin (and then all-reduce with Gloo: NCCL takes one rank per GPU).
# Any other --FIELD=VALUE sets that JobConfig field (see proto/job.proto). Worker logs go to
# RUN_DIR/worker-R.log; metrics and checkpoints to RUN_DIR (default runs/local).
set -euo pipefail
cd "$(dirname "$0")/.."

run_dir=runs/local
workers=""
device=auto
resume=()
args=()
for arg in "$@"; do
  case "$arg" in
    --run_dir=*) run_dir=${arg#--run_dir=} ;;
    --workers=*) workers=${arg#--workers=} ;;
    --device=*) device=${arg#--device=} ;;
    --resume) resume=(--resume) ;;
    --help|-h) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --*) args+=("$arg") ;;
    *) echo "train_local.sh: unexpected argument '$arg' (flags look like --epochs=10)" >&2; exit 2 ;;
  esac
done
case "$device" in
  auto|cpu|cuda) ;;
  *) echo "train_local.sh: --device: expected auto, cpu or cuda, got '$device'" >&2; exit 2 ;;
esac
gpus=0
if [ "$device" != cpu ] && command -v nvidia-smi >/dev/null 2>&1; then
  gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
fi
if [ -z "$workers" ]; then
  workers=$(( gpus > 0 ? gpus : 2 ))
fi
if ! [[ "$workers" =~ ^[1-9][0-9]*$ ]]; then
  echo "train_local.sh: --workers: expected a positive number, got '$workers'" >&2
  exit 2
fi

tools/setup.sh >&2
echo "building (bazel build -c opt //coordinator //worker)..." >&2
bazel build -c opt --config=opt //coordinator //worker 2>&1 | grep -E "ERROR|error:" >&2 || true
bin="$(bazel info -c opt --config=opt bazel-bin 2>/dev/null)"
[ -x "$bin/worker/worker" ] && [ -x "$bin/coordinator/coordinator" ] || { echo "train_local.sh: the build failed" >&2; exit 1; }
mkdir -p "$run_dir"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
# Ctrl-C or SIGTERM: the coordinator stops every worker at one step, with a checkpoint.
trap '[ -n "${coord:-}" ] && kill -TERM "$coord" 2>/dev/null' INT TERM
# wait_for PID: waits until PID exits (through interruptions by the traps above).
wait_for() {
  local rc=0
  while true; do
    wait "$1" && return 0 || rc=$?
    kill -0 "$1" 2>/dev/null || return $rc
  done
}

coord_out="$run_dir/coordinator.out"
"$bin/coordinator/coordinator" --port=0 --bind=127.0.0.1 --world_size="$workers" --run_dir="$run_dir" \
  "${resume[@]}" "${args[@]}" > >(tee "$coord_out") 2> >(tee "$run_dir/coordinator.err" >&2) &
coord=$!
pids+=($coord)
port=""
for _ in $(seq 300); do
  port=$(sed -n 's/^listening on port \([0-9]*\).*/\1/p' "$coord_out" 2>/dev/null)
  [ -n "$port" ] && break
  kill -0 $coord 2>/dev/null || { wait $coord; exit $?; }
  sleep 0.1
done
[ -n "$port" ] || { echo "train_local.sh: the coordinator did not start" >&2; exit 1; }
for ((r = 0; r < workers; r++)); do
  if [ "$gpus" -gt 0 ]; then
    # Each worker sees one GPU, as its cuda:0.
    CUDA_VISIBLE_DEVICES=$((r % gpus)) "$bin/worker/worker" --coordinator=127.0.0.1:"$port" --rank=$r \
      --device=cuda:0 > "$run_dir/worker-$r.log" 2>&1 &
  else
    # --device=cuda without a GPU reaches the worker, which says why it cannot use one.
    "$bin/worker/worker" --coordinator=127.0.0.1:"$port" --rank=$r --device="${device/auto/cpu}" \
      > "$run_dir/worker-$r.log" 2>&1 &
  fi
  pids+=($!)
done
where="CPU"
[ "$gpus" -gt 0 ] && where="$gpus GPU(s)"
echo "workers: $workers on $where (logs in $run_dir/worker-*.log)" >&2

# The coordinator decides the job's end; a worker that fails makes the job fail too.
rc=0
wait_for $coord || rc=$?
for pid in "${pids[@]:1}"; do
  if ! wait_for "$pid"; then
    [ $rc -ne 0 ] || rc=1
    echo "train_local.sh: a worker failed; see $run_dir/worker-*.log" >&2
  fi
done
exit $rc
