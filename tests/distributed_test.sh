#!/usr/bin/env bash
# Distributed training on loopback, real processes: the equivalence invariant (W = 1, 2, 3
# workers, 3 with uneven shards, and 2 workers of 2 threads each, end with the parameters of
# the standalone trainer after the same 20 steps over 2 epochs, within 1e-5 relative; their
# gradient buckets spin only where the ranks fit this machine's CPUs), resume, stop, a dead
# worker, and the bad-input paths (wrong job id or token, a worker that never registers, an
# unreachable coordinator).
set -uo pipefail
worker=$1 coordinator=$2 compare=$3
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; for f in "$tmp"/*.log; do echo "== $f"; tail -5 "$f"; done; exit 1; }

# 2,000 Fashion-MNIST training samples and 500 test samples: 20 steps of 100.
data="$tmp/data"
"$(dirname "$0")/make_fmnist_slice.sh" "$data" 2000 500 || fail "cannot slice Fashion-MNIST"
job=(--dataset="$data" --epochs=1 --batch_size=100 --momentum=0.9 --log_interval=100)

source "$(dirname "$0")/start_coordinator.sh"

# The equivalence runs: 2 epochs of 10 steps of 200, so every run crosses an epoch boundary.
eq_job=(--dataset="$data" --epochs=2 --batch_size=200 --momentum=0.9 --log_interval=100)
"$worker" --standalone "${eq_job[@]}" --run_dir="$tmp/standalone" > "$tmp/standalone.log" 2>&1 \
  || fail "standalone run failed"
reference=$(ls "$tmp/standalone"/checkpoint-*.ckpt | tail -1)
# One thread: batches come through the prefetch thread, which starts the second epoch's first
# batch during the first epoch's last step.
"$worker" --standalone "${eq_job[@]}" --threads=1 --run_dir="$tmp/standalone1" > "$tmp/standalone1.log" 2>&1 \
  || fail "standalone run with 1 thread failed"
out=$("$compare" "$(ls "$tmp/standalone1"/checkpoint-*.ckpt | tail -1)" "$reference" 1e-5) \
  || fail "the standalone trainer with 1 thread ended with other parameters: $out"
echo "standalone, 1 thread: $out"

# WxT: W workers of T threads (T > 1: each worker splits its shard over its threads, and the
# gradient buckets are all-reduced after the split's sum).
for spec in 1x1 2x1 3x1 2x2; do
  world=${spec%x*} threads=${spec#*x}
  start_coordinator "$tmp/coord$spec.log" --world_size=$world "${eq_job[@]}" --threads=$threads --run_dir="$tmp/w$spec"
  pids=()
  for ((r = 0; r < world; r++)); do
    "$worker" --coordinator=127.0.0.1:$port --collective_timeout=30s > "$tmp/w$spec-r$r.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fail "a worker of the W=$world job failed"; done
  wait $coord_pid || fail "the W=$world coordinator failed"
  grep -q '"world_size": '$world "$tmp/coord$spec.log" || fail "W=$world: no summary line"
  grep -q '"steps": 20' "$tmp/coord$spec.log" || fail "W=$world: expected 20 steps"
  out=$("$compare" "$(ls "$tmp/w$spec"/checkpoint-*.ckpt | tail -1)" "$reference" 1e-5) \
    || fail "W=$world, $threads thread(s) each, ended with other parameters than the standalone trainer: $out"
  echo "W=$world x $threads thread(s): $out"
  # Gradient buckets spin only where the machine's ranks fit its CPUs (Note [Spinning only
  # where it fits] in worker/comm/gloo_communicator.cc); nproc counts the CPUs of this
  # process's affinity mask.
  if [ $world -gt 1 ]; then
    cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
    if [ $world -le $cpus ]; then how="spin while they wait"; else how="wait without spinning"; fi
    n=$(cat "$tmp/w$spec"-r*.log | grep -c "^rank [0-9]*: gloo all-reduce on cpu; $world ranks on this machine's $cpus CPUs\?: gradient buckets $how\$")
    [ "$n" = "$world" ] || fail "W=$world on $cpus CPUs: expected $world ranks whose buckets $how: $(cat "$tmp/w$spec"-r*.log | grep all-reduce)"
  fi
done

# Resume: a W=2 job killed (SIGKILL, all processes) after its first checkpoint and resumed
# ends with the parameters of an uninterrupted W=2 run.
run_w2() {  # run_w2 RUN_DIR LOG_PREFIX [COORDINATOR_ARGS...]
  local dir=$1 prefix=$2; shift 2
  # 400 steps: long enough that the kill below lands mid-run (checked).
  start_coordinator "$tmp/$prefix-coord.log" --world_size=2 "${job[@]}" --epochs=20 --checkpoint_every_steps=5 \
    --run_dir="$dir" "$@"
  w2_pids=($coord_pid)
  for r in 0 1; do
    "$worker" --coordinator=127.0.0.1:$port --rank=$r --collective_timeout=30s > "$tmp/$prefix-r$r.log" 2>&1 &
    w2_pids+=($!)
  done
}
run_w2 "$tmp/straight2" straight2
for pid in "${w2_pids[@]}"; do wait "$pid" || fail "the uninterrupted W=2 run failed"; done
run_w2 "$tmp/killed2" killed2
for _ in $(seq 600); do ls "$tmp/killed2"/checkpoint-*.ckpt >/dev/null 2>&1 && break; sleep 0.05; done
kill -9 "${w2_pids[@]}" 2>/dev/null
for pid in "${w2_pids[@]}"; do wait "$pid" 2>/dev/null; done
ls "$tmp/killed2"/checkpoint-*.ckpt >/dev/null 2>&1 || fail "no checkpoint before the kill"
ls "$tmp/killed2"/checkpoint-0000000400.ckpt >/dev/null 2>&1 && fail "the W=2 run finished before the kill; nothing was resumed"
run_w2 "$tmp/killed2" resumed2 --resume
for pid in "${w2_pids[@]}"; do wait "$pid" || fail "the resumed W=2 run failed"; done
grep -q "resumed from" "$tmp/resumed2-r0.log" || fail "rank 0 did not resume"
out=$("$compare" "$(ls "$tmp/killed2"/checkpoint-*.ckpt | tail -1)" "$(ls "$tmp/straight2"/checkpoint-*.ckpt | tail -1)" 1e-6) \
  || fail "the resumed W=2 run ended with other parameters than the uninterrupted one: $out"
echo "resume W=2: $out"

# Stop: SIGTERM to the coordinator mid-run: both workers stop after the same step (agreed
# through the all-reduce) with a checkpoint, every process exits 0, and --resume completes it.
start_coordinator "$tmp/stop-coord.log" --world_size=2 "${job[@]}" --epochs=200 --run_dir="$tmp/stop"
stop_pids=($coord_pid)
for r in 0 1; do
  "$worker" --coordinator=127.0.0.1:$port --rank=$r > "$tmp/stop-r$r.log" 2>&1 &
  stop_pids+=($!)
done
for _ in $(seq 600); do grep -q 'workers registered' "$tmp/stop-coord.log" && break; sleep 0.05; done
sleep 1
kill -TERM $coord_pid
for pid in "${stop_pids[@]}"; do wait "$pid" || fail "a process of the stopped job exited non-zero"; done
grep -q "stop requested" "$tmp/stop-coord.log" || fail "the coordinator did not report the stop"
s0=$(sed -n 's/^rank 0: stopping after step \([0-9]*\)$/\1/p' "$tmp/stop-r0.log")
s1=$(sed -n 's/^rank 1: stopping after step \([0-9]*\)$/\1/p' "$tmp/stop-r1.log")
[ -n "$s0" ] && [ "$s0" = "$s1" ] || fail "ranks stopped at different steps: '$s0' and '$s1'"
[ "$s0" -lt 4000 ] || fail "the job was not stopped early"
ls "$tmp/stop"/checkpoint-$(printf %010d "$s0").ckpt >/dev/null || fail "no checkpoint at the stop step $s0"
start_coordinator "$tmp/stop-resume-coord.log" --world_size=2 "${job[@]}" --epochs=200 --run_dir="$tmp/stop" --resume
stop_pids=($coord_pid)
for r in 0 1; do
  "$worker" --coordinator=127.0.0.1:$port --rank=$r > "$tmp/stop-resume-r$r.log" 2>&1 &
  stop_pids+=($!)
done
for pid in "${stop_pids[@]}"; do wait "$pid" || fail "the resumed stopped job failed"; done
grep -q "resumed from .*step $s0" "$tmp/stop-resume-r0.log" || fail "did not resume from step $s0"
grep -q '"steps": 4000' "$tmp/stop-resume-coord.log" || fail "the resumed job did not finish all 4000 steps"
echo "stop at step $s0 of 4000 on both ranks, resumed to the end"

# A worker that dies mid-run: the survivor's collective fails within its timeout (no hang),
# and the coordinator declares the silent rank dead; everything exits non-zero with a message.
start_coordinator "$tmp/dead-coord.log" --world_size=2 "${job[@]}" --epochs=500 --heartbeat_timeout=4s
"$worker" --coordinator=127.0.0.1:$port --rank=0 --collective_timeout=4s > "$tmp/dead-r0.log" 2>&1 &
survivor=$!
"$worker" --coordinator=127.0.0.1:$port --rank=1 --collective_timeout=4s > "$tmp/dead-r1.log" 2>&1 &
victim=$!
for _ in $(seq 600); do grep -q 'workers registered' "$tmp/dead-coord.log" && break; sleep 0.05; done
sleep 1
kill -9 $victim
start=$(date +%s)
wait $survivor && fail "the surviving worker exited 0 after its peer died"
wait $coord_pid && fail "the coordinator exited 0 after a worker died"
elapsed=$(( $(date +%s) - start ))
[ $elapsed -le 30 ] || fail "the job took ${elapsed}s to notice a dead worker"
grep -q "^worker: gloo rank 0 of 2" "$tmp/dead-r0.log" || fail "the survivor's error does not name the collective: $(tail -2 "$tmp/dead-r0.log")"
grep -Eq "ranks? (0, )?1 sent no heartbeat for 4s: declaring (it|them) dead" "$tmp/dead-coord.log" \
  || fail "the coordinator did not declare rank 1 dead"
echo "dead worker: noticed in ${elapsed}s; survivor: $(tail -1 "$tmp/dead-r0.log" | cut -c1-100)"

# Wrong job id and wrong token are refused with a message.
start_coordinator "$tmp/coord_bad.log" --world_size=1 "${job[@]}" --job_id=alpha --token=s3cret \
  --registration_timeout=20s
out=$("$worker" --coordinator=127.0.0.1:$port --job_id=beta --token=s3cret 2>&1) && fail "wrong job id accepted"
echo "$out" | grep -q "job id 'beta' does not match this coordinator's job 'alpha'" || fail "wrong job id: $out"
out=$("$worker" --coordinator=127.0.0.1:$port --job_id=alpha --token=guess 2>&1) && fail "wrong token accepted"
echo "$out" | grep -q "wrong token" || fail "wrong token: $out"
kill $coord_pid; wait $coord_pid 2>/dev/null

# A worker that never registers: the coordinator gives up with a message.
start_coordinator "$tmp/coord_wait.log" --world_size=2 "${job[@]}" --registration_timeout=2s
"$worker" --coordinator=127.0.0.1:$port > "$tmp/lonely.log" 2>&1 &
lonely=$!
wait $coord_pid && fail "the coordinator succeeded without its second worker"
grep -q "only 1 of 2 workers registered within 2s" "$tmp/coord_wait.log" || fail "no registration message"
wait $lonely && fail "the lonely worker succeeded"

# An unreachable coordinator: the worker fails within its deadline, naming the address.
start=$(date +%s)
out=$("$worker" --coordinator=127.0.0.1:1 --connect_timeout=2s 2>&1) && fail "connected to nothing"
elapsed=$(( $(date +%s) - start ))
echo "$out" | grep -q "cannot reach the coordinator at 127.0.0.1:1 within 2s" || fail "unreachable: $out"
[ $elapsed -le 10 ] || fail "the worker took ${elapsed}s to give up on a 2s deadline"
echo PASS
