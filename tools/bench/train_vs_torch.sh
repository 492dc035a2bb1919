#!/usr/bin/env bash
# Training speed against PyTorch on this machine, in one run: our standalone worker and
# ../shared/peers/torch_mlp.py (Debian's python3-torch on OpenBLAS) train the same model with
# the same batch and epochs on Fashion-MNIST. Each side runs at each of its thread settings,
# the settings interleaved and repeated; a side's figure is the median over repeats of its
# best setting. Reports samples/s (training loop only; both exclude loading and evaluation),
# the ratio ours / PyTorch, and each side's peak RSS.
#
#   tools/bench/train_vs_torch.sh [--repeats=3] [--epochs=3]
#
# Installs python3-torch and python3-numpy (Debian) when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/bench/lib.sh
repeats=3
epochs=3
for arg in "$@"; do
  case "$arg" in
    --repeats=*) repeats=${arg#--repeats=} ;;
    --epochs=*) epochs=${arg#--epochs=} ;;
    *) echo "usage: $0 [--repeats=N] [--epochs=N]" >&2; exit 2 ;;
  esac
done
peers=$(cd .. && pwd)/shared/peers
[ -f "$peers/torch_mlp.py" ] || { echo "$0: $peers/torch_mlp.py not found" >&2; exit 1; }
if ! /usr/bin/python3 -c "import torch, numpy" 2>/dev/null; then
  echo "installing python3-torch and python3-numpy..." >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-torch python3-numpy >&2
fi
tools/setup.sh >&2
bazel build -c opt --config=opt //worker >&2 2>/dev/null
worker="$(bazel info -c opt --config=opt bazel-bin 2>/dev/null)/worker/worker"

# run LABEL COMMAND...: prints "samples_per_sec peak_rss_mb" from one run.
measure() {
  local out rss
  out=$( { /usr/bin/time -f "RSS %M" "$@" 2>&1; } )
  rss=$(echo "$out" | sed -n 's/^RSS \([0-9]*\)$/\1/p' | tail -1)
  local sps
  sps=$(echo "$out" | grep -o '"\(train_\)\{0,1\}samples_per_sec": [0-9.e+]*' | tail -1 | sed 's/.*: //')
  echo "$sps $((rss / 1024))"
}


compare() {  # compare HIDDEN BATCH
  local hidden=$1 batch=$2
  declare -A runs rss
  # Ours: 1 thread; 2 threads as --thread_split=auto picks (features for these models), by
  # the batch's rows, and in OpenBLAS's GEMMs (worker/lane_split.h).
  local ours_settings=("1" "2" "2-batch" "2-gemm") torch_settings=("1:1" "1:2" "2:2")
  for ((r = 0; r < repeats; r++)); do
    for t in "${ours_settings[@]}"; do
      local split=auto; [[ $t == *-* ]] && split=${t#*-}
      read -r sps mb < <(measure "$worker" --standalone --hidden=$hidden --batch_size=$batch --epochs=$epochs \
                           --threads=${t%-*} --thread_split=$split --log_interval=1000 --eval_every_epochs=1000)
      runs["ours $t"]+="$sps "; rss["ours"]=$mb
    done
    for s in "${torch_settings[@]}"; do
      read -r sps mb < <(measure /usr/bin/python3 "$peers/torch_mlp.py" --hidden $hidden --batch $batch \
                           --epochs $epochs --threads ${s%%:*} --blas-threads ${s##*:})
      runs["torch ${s}"]+="$sps "; rss["torch"]=$mb
    done
  done
  local best_ours=0 best_torch=0 best_ours_label="" best_torch_label=""
  echo "784-$hidden-10, batch $batch, $epochs epochs, $repeats repeats (samples/s, median):"
  for key in "${!runs[@]}"; do
    m=$(echo "${runs[$key]}" | tr ' ' '\n' | grep . | median)
    printf "  %-14s %10.0f   (runs: %s)\n" "$key" "$m" "${runs[$key]}"
    if [[ $key == ours* ]] && awk -v a="$m" -v b="$best_ours" 'BEGIN{exit !(a>b)}'; then best_ours=$m; best_ours_label=$key; fi
    if [[ $key == torch* ]] && awk -v a="$m" -v b="$best_torch" 'BEGIN{exit !(a>b)}'; then best_torch=$m; best_torch_label=$key; fi
  done
  printf "  best: %s %.0f vs %s %.0f (threads:blas-threads): ratio %.2f\n" "$best_ours_label" "$best_ours" \
    "$best_torch_label" "$best_torch" "$(awk -v a="$best_ours" -v b="$best_torch" 'BEGIN{print a/b}')"
  echo "  peak RSS: ours ${rss[ours]} MB, torch ${rss[torch]} MB"
}

blas_setting
compare 100 100
compare 1024 256
