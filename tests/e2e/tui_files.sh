#!/bin/sh
# tui_files.sh — the TUI takes a problem's sizes from its matrix files as `lorascope run` does
# (ls_inputs_load): --target of a 12×9 file starts approx at 12x9 with no --m/--n,
# and a --m that disagrees with the file is refused in one line naming both, exit 2.
. "$top_srcdir/tests/e2e/tui_lib.sh"

T="$TUI_TMP/t.csv"
awk 'BEGIN { for (i = 0; i < 12; i++) { l = ""
	for (j = 0; j < 9; j++) l = l (j ? "," : "") (i == j ? 3 - 0.2 * i : 0)
	print l } }' >"$T"

tui_start 120 40 --problem approx --target "$T"
tui_wait 'regime and verdict'
tui_screen | head -n 1 | grep -q "true rank" && fail "true rank shown for a target file"
tui_screen | head -n 1 | grep -q 'approx 12x9' || fail "the header does not show the file's 12x9"
tui_keys q
tui_wait '^EXITED 0$'

"$LORASCOPE" --problem approx --target "$T" --m 10 </dev/null >"$TUI_TMP/o" 2>"$TUI_TMP/e"
[ $? -eq 2 ] || { echo "FAIL: a disagreeing --m is not refused with exit 2"; exit 1; }
[ "$(wc -l <"$TUI_TMP/e")" -eq 1 ] || { echo "FAIL: not one line:"; cat "$TUI_TMP/e"; exit 1; }
grep -q -e "--m 10" "$TUI_TMP/e" && grep -q -F "$T" "$TUI_TMP/e" ||
	{ echo "FAIL: the refusal names neither side:"; cat "$TUI_TMP/e"; exit 1; }
exit 0
