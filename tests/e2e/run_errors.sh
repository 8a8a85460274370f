#!/bin/sh
# run_errors.sh — bad options and values exit 2 with a one-line message naming the option;
# --help lists every parameter of LS_PARAM_LIST (read from config.h) with its default;
# a diverging run stops cleanly with exit status 3 and says so in the summary.
. "$top_srcdir/tests/e2e/run_lib.sh"

expect_usage() {
	opt=$1
	shift
	"$LORASCOPE" run "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] || fail "'$*': exit $rc, expected 2"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "'$*': message is not one line: $(cat "$TMP/err")"
	grep -q -- "$opt" "$TMP/err" || fail "'$*': message does not name $opt: $(cat "$TMP/err")"
	[ -s "$TMP/out" ] && fail "'$*': printed output on a usage error"
	return 0
}
expect_usage --lambda --lambda x
expect_usage --lambda --lambda=-1
expect_usage --lr --lr 1e9
expect_usage --optimizer --optimizer newton
expect_usage --problem --problem=nope
expect_usage --bogus --bogus 3
expect_usage --format --format xml
expect_usage --steps --steps -3
expect_usage --every --every 0
expect_usage --rank --m 10 --rank 11
expect_usage --seed --seed
expect_usage --no-timing --no-timing=1
expect_usage stray stray
# An option where a value should be: "missing value", naming both, not "'--steps' is not a
# finite number".
expect_usage 'lr: missing value (before --steps)' --lr --steps 5
"$LORASCOPE" run --lr -0 --steps 1 --every 1 >/dev/null || fail "a value '-0' taken for an option"
"$LORASCOPE" --lr --steps 5 </dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q -- '--lr: missing value (before --steps)' "$TMP/err" ||
	fail "TUI: --lr --steps: $(cat "$TMP/err")"

"$LORASCOPE" run --help >"$TMP/help" || fail "--help exit status"
# One line per option entry (the help text wraps onto indented lines).
awk '/^  --/ { if (e != "") print e; e = $0; next }
     /^   / { if (e != "") { sub(/^ +/, " "); e = e $0 }; next }
     { if (e != "") print e; e = "" }
     END { if (e != "") print e }' "$TMP/help" >"$TMP/entries"
sed -n 's/^[[:space:]]*X([a-z_0-9]*, "\([a-z0-9-]*\)", [A-Z]*, "[a-z]*", "\([^"]*\)".*/\1 \2/p' \
	"$top_srcdir/include/lorascope/config.h" >"$TMP/params"
[ "$(wc -l <"$TMP/params")" -ge 20 ] || fail "could not read the parameters from config.h"
while read -r name def; do
	if [ -z "$def" ]; then # a file parameter (TEXT): a FILE value, no default
		grep -q -F -e "--$name FILE " "$TMP/entries" || fail "--help does not list --$name FILE"
		continue
	fi
	grep -q -F -e "--$name VALUE " "$TMP/entries" || fail "--help does not list --$name"
	grep -F -e "--$name VALUE " "$TMP/entries" | grep -q -F "[default: $def]" ||
		fail "--help does not give --$name's default $def"
done <"$TMP/params"
for n in steps every format no-timing; do
	grep -q -e "^  --$n[ ]" "$TMP/entries" || fail "--help does not list --$n"
done
awk 'length > 79 { exit 1 }' "$TMP/help" || fail "--help has lines over 79 columns"
"$LORASCOPE" run --version | grep -q '^lorascope [0-9]' || fail "--version"
"$LORASCOPE" nosuchcommand >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] || fail "unknown subcommand: exit status is not 2"
grep -q nosuchcommand "$TMP/err" || fail "unknown subcommand not named"
"$LORASCOPE" --help | grep -q '^  run ' || fail "lorascope --help does not list run"

"$LORASCOPE" run --m 10 --n 8 --init large --lr 50 --steps 500 --every 100 \
	>"$TMP/div" 2>"$TMP/div.err"
rc=$?
[ $rc -eq 3 ] || fail "diverging run: exit $rc, expected 3"
[ "$(summary_value "$TMP/div" diverged)" = true ] || fail "diverged not reported"
grep -q '^message .*diverged at step' "$TMP/div" || fail "no divergence message"
exit 0
