# Sourced by the end-to-end tests: start_coordinator LOG ARGS... starts $coordinator on a free
# port with ARGS, logging to LOG, and sets $port and $coord_pid once it listens (or calls the
# caller's fail after 10 s).
start_coordinator() {
  local log=$1; shift
  "$coordinator" --port=0 "$@" > "$log" 2>&1 &
  coord_pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening on port \([0-9]*\).*/\1/p' "$log")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  fail "the coordinator did not start: $(cat "$log")"
}
