#!/usr/bin/env bash
# Runs a distributed job on several hosts: the coordinator on the first host of the hosts
# file and one worker per slot, each started through a remote-shell command.
#
#   tools/launch_cluster.sh --hosts=FILE [--remote='ssh {host}'] [--port=29500]
#                           [--bin=DIR] [--FIELD=VALUE...]
#
# FILE: one host per line, "NAME SLOTS [ADDRESS]" ('#' starts a comment). NAME is what the
# remote shell takes ({host} in --remote), SLOTS the number of workers to run there, and
# ADDRESS the host's address as the others reach it (default NAME). --remote is any command
# template: 'ssh {host}' (the default) or 'ip netns exec {host}' for network namespaces.
# --bin is the folder holding coordinator/coordinator and worker/worker on every host
# (default: this checkout's optimised build). Other --FIELD=VALUE flags define the job (see
# proto/job.proto) and go to the coordinator. Signals (Ctrl-C, SIGTERM) go to the
# coordinator, which stops every worker at one step with a checkpoint; if any part fails,
# everything is stopped. Exits 0 only when the coordinator and every worker did.
set -uo pipefail
hosts_file="" remote='ssh {host}' port=29500 bin="" job=()
for arg in "$@"; do
  case "$arg" in
    --hosts=*) hosts_file=${arg#--hosts=} ;;
    --remote=*) remote=${arg#--remote=} ;;
    --port=*) port=${arg#--port=} ;;
    --bin=*) bin=${arg#--bin=} ;;
    --help|-h) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --*) job+=("$arg") ;;
    *) echo "launch_cluster.sh: unexpected argument '$arg'" >&2; exit 2 ;;
  esac
done
[ -n "$hosts_file" ] || { echo "launch_cluster.sh: --hosts=FILE is required" >&2; exit 2; }
[ -r "$hosts_file" ] || { echo "launch_cluster.sh: cannot read the hosts file $hosts_file" >&2; exit 2; }
if [ -z "$bin" ]; then
  cd "$(dirname "$0")/.." && bin="$(bazel info -c opt --config=opt bazel-bin 2>/dev/null)"
fi

names=() slots=() addresses=()
line_no=0
while read -r name count address rest; do
  line_no=$((line_no + 1))
  [[ -z "${name:-}" || "$name" == \#* ]] && continue
  if ! [[ "${count:-}" =~ ^[0-9]+$ ]]; then
    echo "launch_cluster.sh: $hosts_file:$line_no: expected 'NAME SLOTS [ADDRESS]', got '$name ${count:-} ${address:-}'" >&2
    exit 2
  fi
  names+=("$name"); slots+=("$count"); addresses+=("${address:-$name}")
done < "$hosts_file"
[ ${#names[@]} -gt 0 ] || { echo "launch_cluster.sh: $hosts_file lists no hosts" >&2; exit 2; }
world=0
for s in "${slots[@]}"; do world=$((world + s)); done
[ $world -gt 0 ] || { echo "launch_cluster.sh: $hosts_file has no worker slots" >&2; exit 2; }

on() {  # on HOST COMMAND...: runs COMMAND on HOST through the remote-shell template
  local host=$1; shift
  local prefix=${remote//\{host\}/$host}
  # shellcheck disable=SC2086
  $prefix "$@"
}

pids=() labels=()
stop_all() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done; }
trap '[ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[0]}" 2>/dev/null' INT TERM

on "${names[0]}" "$bin/coordinator/coordinator" --port="$port" --bind=0.0.0.0 --world_size=$world "${job[@]}" &
pids+=($!); labels+=("coordinator on ${names[0]}")
coordinator="${addresses[0]}:$port"
rank=0
for i in "${!names[@]}"; do
  for ((s = 0; s < ${slots[$i]}; s++)); do
    on "${names[$i]}" "$bin/worker/worker" --coordinator="$coordinator" --comm_host="${addresses[$i]}" \
      --rank=$rank --connect_timeout=60s | sed -u "s/^/[rank $rank] /" &
    pids+=($!); labels+=("worker $rank on ${names[$i]}")
    rank=$((rank + 1))
  done
done

# Wait for every part; the first failure stops the rest.
rc=0
remaining=${#pids[@]}
declare -A finished
while [ $remaining -gt 0 ]; do
  for i in "${!pids[@]}"; do
    [ -n "${finished[$i]:-}" ] && continue
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      wait "${pids[$i]}"; code=$?
      finished[$i]=1; remaining=$((remaining - 1))
      if [ $code -ne 0 ]; then
        echo "launch_cluster.sh: ${labels[$i]} exited with $code; stopping the job" >&2
        [ $rc -ne 0 ] || rc=$code
        stop_all
      fi
    fi
  done
  sleep 0.2
done
exit $rc
