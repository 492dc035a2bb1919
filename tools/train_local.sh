#!/usr/bin/env bash
# The default training job on this machine: installs what it needs (tools/setup.sh), builds
# the worker optimised, and trains the reference model (784-100-10 ReLU MLP, SGD lr 0.1,
# batch 100) on Fashion-MNIST from Debian's dataset-fashion-mnist package, printing progress
# and the test accuracy after each epoch. The last line of stdout is one JSON object:
# test_accuracy, final_train_loss, train_samples_per_sec, epochs, steps, world_size.
#
#   tools/train_local.sh [--epochs=N] [--config=FILE] [--dataset=DIR] [--seed=N]
#                        [--run_dir=DIR] [--resume] [--workers=N] [--FIELD=VALUE...]
#
# Any other --FIELD=VALUE is passed to the worker (every JobConfig field is a flag; see
# `worker --help`). Metrics and checkpoints go to --run_dir (default runs/local); --resume
# continues from its newest valid checkpoint.
#
# This build trains in one process (world size 1): the coordinator that runs several workers
# (one per GPU, or 2 CPU workers) is not in it yet, so --workers must be 1.
set -euo pipefail
cd "$(dirname "$0")/.."

run_dir=runs/local
workers=1
args=()
for arg in "$@"; do
  case "$arg" in
    --run_dir=*) run_dir=${arg#--run_dir=} ;;
    --workers=*) workers=${arg#--workers=} ;;
    --help|-h) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --*) args+=("$arg") ;;
    *) echo "train_local.sh: unexpected argument '$arg' (flags look like --epochs=10)" >&2; exit 2 ;;
  esac
done
if [ "$workers" != 1 ]; then
  echo "train_local.sh: --workers=$workers: this build trains in one process; distributed training" \
       "(coordinator + workers) is not available yet, so use --workers=1" >&2
  exit 2
fi

tools/setup.sh >&2
echo "building the worker (bazel build -c opt //worker)..." >&2
bazel build -c opt --config=opt //worker >&2 2> >(grep -v '^\(INFO\|Loading\|Analyzing\)' >&2 || true)
worker="$(bazel info -c opt --config=opt bazel-bin 2>/dev/null)/worker/worker"
mkdir -p "$run_dir"
exec "$worker" --standalone --run_dir="$run_dir" "${args[@]}"
