#!/bin/sh
# run_bench.sh — `make bench`: wall time of a headless `lorascope run` of 3000 steps on the
# default problem (one BLAS thread, every metric every step, rows every 100 steps).
: "${LORASCOPE:?set LORASCOPE to the lorascope binary}"
now() { date +%s.%N; }
for threads in 1 2; do
	t0=$(now)
	OPENBLAS_NUM_THREADS=$threads "$LORASCOPE" run --steps 3000 >/dev/null || exit 1
	t1=$(now)
	awk -v a="$t0" -v b="$t1" -v t="$threads" 'BEGIN {
		printf "%-40s %7d %10.3f s wall\n", "lorascope run --steps 3000 (default)", t, b - a }'
done
