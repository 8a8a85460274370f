# run_lib.sh — helpers sourced by the run_*.sh end-to-end tests of `lorascope run`.
: "${LORASCOPE:?LORASCOPE must point at the binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lorascope-e2e.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
# summary_value FILE KEY: the value of KEY in a table-format summary.
summary_value() {
	awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}
# close A B RTOL ATOL: |A - B| <= ATOL + RTOL*|B|
close() {
	awk -v a="$1" -v b="$2" -v r="$3" -v t="$4" 'BEGIN {
		d = a - b; if (d < 0) d = -d; m = b; if (m < 0) m = -m
		exit !(d <= t + r * m) }'
}
