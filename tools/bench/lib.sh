# Sourced by the benchmark scripts of tools/bench.
#   median            the median of the numbers on stdin, one per line (mean of the middle two)
#   json_number KEY   the number after "KEY": in the last line of stdin that has it
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
json_number() { grep -o "\"$1\": [0-9.e+-]*" | tail -1 | sed 's/.*: //'; }
