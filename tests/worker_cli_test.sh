#!/usr/bin/env bash
# The worker binary as a user runs it: errors on bad input, the final JSON line, resume after
# a crash (SIGKILL) and after a stop (SIGTERM) reaching the same parameters as an
# uninterrupted run, on a 2,000-sample slice of Fashion-MNIST.
set -uo pipefail
worker=$1
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }

# --- bad input: one clear line, non-zero exit, no crash ----------------------------------
out=$("$worker" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "pass --standalone" || fail "no --standalone: rc=$rc: $out"
out=$("$worker" --standalone --lr=-1 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "lr: expected a value > 0, got -1" || fail "bad lr: rc=$rc: $out"
out=$("$worker" --standalone --hidden=10,x 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "\-\-hidden: expected a comma-separated list" || fail "bad hidden: $out"
out=$("$worker" --standalone --dataset="$tmp/none" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "has no train-images-idx3-ubyte" || fail "missing dataset: rc=$rc: $out"
echo 'bach_size: 3' > "$tmp/bad.txt"
out=$("$worker" --standalone --config="$tmp/bad.txt" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "bad.txt:1:" || fail "bad config: rc=$rc: $out"
out=$("$worker" --standalone --device=gpu 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "\-\-device=gpu: expected cpu, cuda, cuda:N or auto" || fail "bad device: rc=$rc: $out"
# Asking for a GPU: without one, one line with CUDA's own reason; with one, an ordinal past the end.
if nvidia-smi -L >/dev/null 2>&1; then
  out=$("$worker" --standalone --device=cuda:99 2>&1); rc=$?
  [ $rc -eq 2 ] && echo "$out" | grep -q "ordinal must be below" || fail "cuda:99: rc=$rc: $out"
else
  out=$("$worker" --standalone --device=cuda 2>&1); rc=$?
  [ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "no usable CUDA device: .*cuda" ||
    fail "--device=cuda without a GPU: rc=$rc: $out"
fi
help=$("$worker" --help 2>&1)
echo "$help" | grep -q -- "--batch_size" || fail "--help does not list --batch_size: $help"
echo "$help" | grep -q -- "--device" || fail "--help does not list --device: $help"

# --- a small dataset: the first 2,000 training and 500 test samples -------------------------
data="$tmp/data"
"$(dirname "$0")/make_fmnist_slice.sh" "$data" 2000 500 || fail "cannot slice Fashion-MNIST"

# 3,000 steps: long enough that the kill and the stop below land mid-run (checked).
job=(--standalone --dataset="$data" --epochs=30 --batch_size=20 --momentum=0.9 --lr=0.02 --log_interval=100)
total=3000
# The step of the newest checkpoint in $1.
newest_step() { ls "$1"/checkpoint-*.ckpt | tail -1 | sed 's/.*checkpoint-0*\([0-9][0-9]*\)\.ckpt/\1/'; }

# --- uninterrupted run: the final JSON line ----------------------------------------------------
out=$("$worker" "${job[@]}" --run_dir="$tmp/straight" 2>&1) || fail "straight run failed: $out"
last=$(echo "$out" | tail -1)
for key in test_accuracy final_train_loss train_samples_per_sec epochs steps world_size; do
  echo "$last" | grep -q "\"$key\": " || fail "final line lacks $key: $last"
done
echo "$last" | grep -q "\"steps\": $total" || fail "expected $total steps: $last"
echo "$last" | grep -q '"world_size": 1' || fail "expected world_size 1: $last"
final_straight=$(ls "$tmp/straight"/checkpoint-*.ckpt | tail -1)

# Waits until the run in $1 has written a checkpoint file, up to 60 s.
wait_for_checkpoint() {
  for _ in $(seq 600); do
    ls "$1"/checkpoint-*.ckpt >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "no checkpoint appeared in $1"
}

# --- crash: SIGKILL after a periodic checkpoint, then --resume -----------------------------------
"$worker" "${job[@]}" --run_dir="$tmp/killed" --checkpoint_every_steps=50 > "$tmp/killed.log" 2>&1 &
pid=$!
wait_for_checkpoint "$tmp/killed"
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
[ "$(newest_step "$tmp/killed")" -lt $total ] || fail "the run finished before the kill; nothing was resumed"
out=$("$worker" "${job[@]}" --run_dir="$tmp/killed" --resume 2>&1) || fail "resume after kill failed: $out"
echo "$out" | grep -q "resumed from" || fail "did not resume: $out"
cmp -s "$final_straight" "$(ls "$tmp/killed"/checkpoint-*.ckpt | tail -1)" \
  || fail "resumed run (after SIGKILL) ended with other parameters than the uninterrupted run"

# --- stop: SIGTERM stops after the current step with a checkpoint, exit 0 ------------------------
"$worker" "${job[@]}" --run_dir="$tmp/stopped" --checkpoint_every_steps=50 > "$tmp/stopped.log" 2>&1 &
pid=$!
wait_for_checkpoint "$tmp/stopped"
kill -TERM $pid 2>/dev/null
wait $pid; rc=$?
grep -q "stop requested" "$tmp/stopped.log" || fail "the run finished before SIGTERM; the stop was not tested"
[ $rc -eq 0 ] || fail "stopped run exited $rc"
[ "$(newest_step "$tmp/stopped")" -lt $total ] || fail "no mid-run checkpoint at the stop"
out=$("$worker" "${job[@]}" --run_dir="$tmp/stopped" --resume 2>&1) || fail "resume after stop failed: $out"
cmp -s "$final_straight" "$(ls "$tmp/stopped"/checkpoint-*.ckpt | tail -1)" \
  || fail "resumed run (after SIGTERM) ended with other parameters than the uninterrupted run"

# --- a corrupt newest checkpoint is skipped, the older one used ------------------------------------
ckpts=($(ls "$tmp/killed"/checkpoint-*.ckpt))
[ ${#ckpts[@]} -ge 2 ] || fail "expected two checkpoints kept, found ${#ckpts[@]}"
printf '\x00\x01' | dd of="${ckpts[-1]}" bs=1 seek=40 conv=notrunc 2>/dev/null
out=$("$worker" "${job[@]}" --run_dir="$tmp/killed" --resume 2>&1) || fail "resume past a corrupt checkpoint failed: $out"
echo "$out" | grep -q "skipping checkpoint .*checksum mismatch" || fail "corrupt checkpoint not reported: $out"
echo "$out" | grep -q "resumed from .*${ckpts[-2]##*/}" || fail "the older checkpoint was not used: $out"
echo "PASS"
