# Sourced by the benchmark scripts of tools/bench.
#   median            the median of the numbers on stdin, one per line (mean of the middle two)
#   json_number KEY   the number after "KEY": in the last line of stdin that has it
#   blas_setting      a line naming the OpenBLAS kernels both sides run (the environment's
#                     OPENBLAS_CORETYPE, which every process here inherits, or OpenBLAS's own pick)
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
json_number() { grep -o "\"$1\": [0-9.e+-]*" | tail -1 | sed 's/.*: //'; }
blas_setting() {
  if [ -n "${OPENBLAS_CORETYPE+set}" ]; then
    echo "OpenBLAS kernels: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE from the environment, for both sides"
  else
    echo "OpenBLAS kernels: OpenBLAS's pick for this CPU (OPENBLAS_CORETYPE unset), for both sides"
  fi
}
