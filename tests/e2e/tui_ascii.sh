#!/bin/sh
# tui_ascii.sh — --ascii draws every panel in plain ASCII (no byte above 0x7f on screen,
# while the default UTF-8 screen has braille); --man-keys prints the roff key section.
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 100 30 --m 16 --n 16 --rank 3 --true-rank 2
tui_wait 'regime and verdict'
tui_screen | LC_ALL=C grep -q '[^ -~]' || fail "UTF-8 screen has no non-ASCII glyph"
tui_keys q
tui_wait '^EXITED 0$'
tui_next

tui_start 100 30 --ascii --m 16 --n 16 --rank 3 --true-rank 2
tui_wait 'regime and verdict'
tui_wait 'sv\(X\) r=3'
sleep 0.5
tui_screen | LC_ALL=C grep -n '[^ -~]' && fail "--ascii: non-ASCII bytes on screen"
tui_keys q
tui_wait '^EXITED 0$'

"$LORASCOPE" --man-keys >"$TUI_TMP/keys.roff" || fail "--man-keys failed"
grep -q '^\.SH INTERACTIVE COMMANDS' "$TUI_TMP/keys.roff" || fail "no section header"
for k in space '?/F1' L R '\^L' F2; do
	grep -q "^\.BR \"$k\" " "$TUI_TMP/keys.roff" || { echo "FAIL: key $k not in the man section"; exit 1; }
done
exit 0
