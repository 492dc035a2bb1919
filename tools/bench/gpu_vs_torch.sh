#!/usr/bin/env bash
# GPU training speed against PyTorch on the same GPU, in one run: our standalone worker on
# cuda:0 and tools/bench/torch_gpu_mlp.py train an MLP 784-4096-4096-10 in FP32 with plain SGD,
# batch 4096, on the same data. Reports each side's training samples/s (median over repeats;
# both exclude loading, evaluation and a warm-up), the ratio ours / PyTorch, the TFLOP/s we
# reach (113.8 MFLOP per sample: forward, backward without the input's gradient) against the
# FP32 cuBLAS rate of the layer shapes measured alone, and both sides again with TF32 allowed.
#
#   tools/bench/gpu_vs_torch.sh [--repeats=3] [--epochs=5] [--data=DIR] [--worker='CMD']
#
# --worker: how to run our worker; default the bundle's `run.sh worker` when this script sits
# in a bundle (tools/bundle.sh copies it to DIR/bench/), else the opt build's binary.
# --data: IDX files (gzip or not); default Debian's Fashion-MNIST if present, else 60,000
# random 28x28 images written by numpy (speed does not depend on the pixels).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
repeats=3 epochs=5 data="" worker=""
for arg in "$@"; do
  case "$arg" in
    --repeats=*) repeats=${arg#--repeats=} ;;
    --epochs=*) epochs=${arg#--epochs=} ;;
    --data=*) data=${arg#--data=} ;;
    --worker=*) worker=${arg#--worker=} ;;
    *) echo "usage: $0 [--repeats=N] [--epochs=N] [--data=DIR] [--worker='CMD']" >&2; exit 2 ;;
  esac
done
if [ -z "$worker" ]; then
  if [ -x "$here/../run.sh" ]; then
    worker="$here/../run.sh worker"
  else
    worker="$(cd "$here/../.." && bazel info -c opt --config=opt bazel-bin)/worker/worker"
  fi
fi
python=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import torch" 2>/dev/null && python=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$data" ]; then
  if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    data=/usr/share/datasets/fashion-mnist
  else
    data="$tmp/data"
    mkdir -p "$data"
    "$python" - "$data" <<'PY'
import sys, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(0)
def write(name, magic, dims, values):
    with open(f"{out}/{name}", "wb") as f:
        f.write(bytes([0, 0, 8, magic]))
        for d in dims: f.write(int(d).to_bytes(4, "big"))
        f.write(values.astype(np.uint8).tobytes())
for prefix, n in (("train", 60000), ("t10k", 10000)):
    write(f"{prefix}-images-idx3-ubyte", 3, (n, 28, 28), rng.integers(0, 256, (n, 28, 28)))
    write(f"{prefix}-labels-idx1-ubyte", 1, (n,), rng.integers(0, 10, n))
PY
  fi
fi
job=(--standalone --device=cuda:0 --dataset="$data" --hidden=4096,4096 --batch_size=4096 --lr=0.01
     --epochs="$epochs" --eval_every_epochs="$epochs" --log_interval=1000)
ours=() tf32=() torch=() torch_tf32=()
for ((i = 0; i < repeats; i++)); do
  ours+=("$($worker "${job[@]}" | json_number train_samples_per_sec)")
  tf32+=("$($worker "${job[@]}" --allow_tf32=true | json_number train_samples_per_sec)")
  line=$("$python" "$here/torch_gpu_mlp.py" --data-dir "$data" --epochs "$epochs")
  torch+=("$(echo "$line" | json_number samples_per_sec)")
  torch_tf32+=("$("$python" "$here/torch_gpu_mlp.py" --data-dir "$data" --epochs "$epochs" --tf32 |
    json_number samples_per_sec)")
done
o=$(printf '%s\n' "${ours[@]}" | median)
t=$(printf '%s\n' "${torch[@]}" | median)
f=$(printf '%s\n' "${tf32[@]}" | median)
tf=$(printf '%s\n' "${torch_tf32[@]}" | median)
echo "MLP 784-4096-4096-10, batch 4096, FP32 SGD, $epochs epochs, $repeats repeats (samples/s, median):"
echo "  ours:        $o   (runs: ${ours[*]})"
echo "  torch:       $t   (runs: ${torch[*]})"
echo "  ours TF32:   $f   (runs: ${tf32[*]})"
echo "  torch TF32:  $tf   (runs: ${torch_tf32[*]})"
echo "  torch: $line"
awk -v o="$o" -v t="$t" -v f="$f" -v tf="$tf" 'BEGIN {
  printf "  ratio ours / torch: %.2f (TF32: %.2f)\n", o / t, f / tf
  printf "  ours: %.1f TFLOP/s, torch: %.1f TFLOP/s (113.8 MFLOP per sample)\n", o * 113.8e6 / 1e12, t * 113.8e6 / 1e12
}'
