#!/usr/bin/env bash
# A cluster on one machine: the coordinator and two workers in three network namespaces
# joined by a private bridge (10.231.x.0/24 addresses of our own test hosts), started through
# tools/launch_cluster.sh with `ip netns exec` as the remote shell. Skipped, with a message,
# where namespaces cannot be made (not root, or no CAP_NET_ADMIN).
set -uo pipefail
launch=$1 worker=$2 coordinator=$3
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; cat "$tmp/cluster.log" 2>/dev/null | tail -20; exit 1; }

id=$$
ns=(cc$id cw0$id cw1$id)
bridge=cbr$id
subnet=$(( id % 200 + 20 ))
if ! ip netns add "${ns[0]}" 2>/dev/null; then
  echo "SKIPPED: cannot create network namespaces here (needs root and CAP_NET_ADMIN)"
  exit 0
fi
cleanup() {
  for n in "${ns[@]}"; do ip netns del "$n" 2>/dev/null; done
  ip link del "$bridge" 2>/dev/null
}
trap cleanup EXIT
ip netns add "${ns[1]}" && ip netns add "${ns[2]}" || fail "cannot create the worker namespaces"
ip link add "$bridge" type bridge && ip link set "$bridge" up || fail "cannot create the bridge"
for i in 0 1 2; do
  ip link add "cv$i$id" type veth peer name "cp$i$id" || fail "cannot create veth $i"
  ip link set "cp$i$id" master "$bridge" && ip link set "cp$i$id" up
  ip link set "cv$i$id" netns "${ns[$i]}"
  ip netns exec "${ns[$i]}" ip addr add "10.231.$subnet.$((i + 1))/24" dev "cv$i$id"
  ip netns exec "${ns[$i]}" ip link set "cv$i$id" up
  ip netns exec "${ns[$i]}" ip link set lo up
done

# The binaries as launch_cluster.sh expects them under --bin.
bin="$tmp/bin"
mkdir -p "$bin/worker" "$bin/coordinator"
cp "$worker" "$bin/worker/worker" && cp "$coordinator" "$bin/coordinator/coordinator"
cat > "$tmp/hosts" <<HOSTS
# name            slots  address
${ns[0]}          0      10.231.$subnet.1
${ns[1]}          1      10.231.$subnet.2
${ns[2]}          1      10.231.$subnet.3
HOSTS
timeout 120 "$launch" --hosts="$tmp/hosts" --remote='ip netns exec {host}' --bin="$bin" --port=29511 \
  --epochs=1 --batch_size=200 --log_interval=1000 --registration_timeout=60s > "$tmp/cluster.log" 2>&1 \
  || fail "the cluster job failed (exit $?)"
grep -q '"world_size": 2' "$tmp/cluster.log" || fail "no summary from the coordinator"
grep -q '"steps": 300' "$tmp/cluster.log" || fail "expected 300 steps"
grep -q '^\[rank 1\] rank 1 of 2' "$tmp/cluster.log" || fail "rank 1 did not join"
acc=$(grep -o '"test_accuracy": [0-9.]*' "$tmp/cluster.log" | tail -1 | sed 's/.*: //')
awk -v a="$acc" 'BEGIN { exit !(a >= 0.75) }' || fail "test accuracy $acc after one epoch"

# A bad hosts file is refused with the line number.
printf 'onlyname\n' > "$tmp/bad_hosts"
out=$("$launch" --hosts="$tmp/bad_hosts" --bin="$bin" 2>&1) && fail "a bad hosts file was accepted"
echo "$out" | grep -q "bad_hosts:1: expected 'NAME SLOTS \[ADDRESS\]'" || fail "bad hosts file: $out"
echo "PASS: 2 workers in separate network namespaces, test accuracy $acc"
