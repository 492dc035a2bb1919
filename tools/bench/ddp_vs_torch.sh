#!/usr/bin/env bash
# Distributed training speed on this machine, in one run: our coordinator + W CPU workers
# (one thread each, Gloo) against PyTorch DDP with Gloo (../shared/peers/torch_ddp.py, W
# processes of one thread), same model, global batch and epochs on Fashion-MNIST; and the
# overhead of the distributed machinery (W = 1 through the coordinator vs the standalone
# trainer). Reports medians over repeats and the ratios, and the floor for W=2: the step's
# GEMMs and its Gloo all-reduce alone (step_floor.cc), the fastest any trainer built on
# OpenBLAS and Gloo could run here; the ratio to torch it allows, and our share of it. Each
# repeat's own ratio (ours and torch run back to back) is reported too, median and range.
#
#   tools/bench/ddp_vs_torch.sh [--repeats=3] [--epochs=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/bench/lib.sh
repeats=3
epochs=2
for arg in "$@"; do
  case "$arg" in
    --repeats=*) repeats=${arg#--repeats=} ;;
    --epochs=*) epochs=${arg#--epochs=} ;;
    *) echo "usage: $0 [--repeats=N] [--epochs=N]" >&2; exit 2 ;;
  esac
done
peers=$(cd .. && pwd)/shared/peers
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "$0: needs Debian's python3-torch (see train_vs_torch.sh)" >&2; exit 1; }
tools/setup.sh >&2
bazel build -c opt --config=opt //coordinator //worker //tools/bench:step_floor >&2 2>/dev/null
bin="$(bazel info -c opt --config=opt bazel-bin 2>/dev/null)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ours() {  # ours WORLD HIDDEN BATCH: samples/s
  local world=$1 hidden=$2 batch=$3
  "$bin/coordinator/coordinator" --port=0 --bind=127.0.0.1 --world_size=$world --hidden=$hidden \
    --batch_size=$batch --epochs=$epochs --log_interval=1000 --eval_every_epochs=1000 > "$tmp/c.log" 2>&1 &
  local coord=$! port=""
  for _ in $(seq 200); do port=$(sed -n 's/^listening on port \([0-9]*\).*/\1/p' "$tmp/c.log"); [ -n "$port" ] && break; sleep 0.05; done
  local pids=()
  for ((r = 0; r < world; r++)); do "$bin/worker/worker" --coordinator=127.0.0.1:$port > "$tmp/w$r.log" 2>&1 & pids+=($!); done
  wait $coord; for p in "${pids[@]}"; do wait $p; done
  # The first worker's own figure times W (whichever rank it got: here the global batches split
  # evenly, so every rank trains as many samples in the same steps): training steps only, as
  # torch_ddp.py reports.
  json_number train_samples_per_sec < "$tmp/w0.log" | awk -v w=$world '{print $1 * w}'
}
standalone() {
  "$bin/worker/worker" --standalone --hidden=$1 --batch_size=$2 --epochs=$epochs --log_interval=1000 \
    --eval_every_epochs=1000 | json_number train_samples_per_sec
}
floor() {  # floor HIDDEN BATCH: samples/s of the bare step, two ranks
  "$bin/tools/bench/step_floor" --world=2 --hidden=$1 --batch=$2 --modes=sequential --repeats=3 | json_number samples_per_sec
}
torch_ddp() {
  /usr/bin/python3 "$peers/torch_ddp.py" --world $1 --hidden $2 --batch $3 --epochs $epochs 2>/dev/null | json_number samples_per_sec
}

blas_setting
for cfg in "100 100" "1024 256"; do
  set -- $cfg
  o2=(); t2=(); o1=(); s1=(); f2=()
  for ((r = 0; r < repeats; r++)); do
    o2+=($(ours 2 $1 $2)); t2+=($(torch_ddp 2 $1 $2)); o1+=($(ours 1 $1 $2)); s1+=($(standalone $1 $2))
    f2+=($(floor $1 $2))
  done
  mo2=$(printf '%s\n' "${o2[@]}" | median); mt2=$(printf '%s\n' "${t2[@]}" | median)
  mo1=$(printf '%s\n' "${o1[@]}" | median); ms1=$(printf '%s\n' "${s1[@]}" | median)
  mf2=$(printf '%s\n' "${f2[@]}" | median)
  echo "784-$1-10, global batch $2, $epochs epochs, $repeats repeats (samples/s, median):"
  printf "  ours W=2 %10.0f   torch DDP W=2 %10.0f   ratio %.2f\n" "$mo2" "$mt2" "$(awk -v a=$mo2 -v b=$mt2 'BEGIN{print a/b}')"
  # Each repeat runs ours and torch back to back, so a repeat's own ratio cancels the machine's
  # slower drift (10-15% within minutes on a shared host): their median and range.
  pr=(); for ((r = 0; r < repeats; r++)); do pr+=($(awk -v a=${o2[r]} -v b=${t2[r]} 'BEGIN{print a/b}')); done
  printf "  ratio per repeat (ours, then torch, back to back): median %.2f, range %s-%s\n" \
    "$(printf '%s\n' "${pr[@]}" | median)" \
    "$(printf '%s\n' "${pr[@]}" | sort -g | head -1 | xargs printf '%.2f')" \
    "$(printf '%s\n' "${pr[@]}" | sort -g | tail -1 | xargs printf '%.2f')"
  printf "  floor W=2 (GEMMs + Gloo all-reduce only) %10.0f   its ratio to torch %.2f   ours at %.0f%% of it\n" \
    "$mf2" "$(awk -v a=$mf2 -v b=$mt2 'BEGIN{print a/b}')" "$(awk -v a=$mo2 -v b=$mf2 'BEGIN{print 100*a/b}')"
  printf "  ours W=1 via coordinator %10.0f   standalone %10.0f   ratio %.3f\n" "$mo1" "$ms1" "$(awk -v a=$mo1 -v b=$ms1 'BEGIN{print a/b}')"
done
