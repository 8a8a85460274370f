#!/bin/sh
# tui_help.sh — the help overlay wraps its descriptions instead of cutting them (issue 12):
# at 80x24 the first page shows its actions' descriptions whole, says which lines it shows
# and names its scroll keys, and PgDn pages to every action's full description; on a tall
# screen every description is there at once.
. "$top_srcdir/tests/e2e/tui_lib.sh"

# Every action's description, from the man page's section (the same key table).
"$LORASCOPE" --man-keys | awk '/^\.BR/ { getline; sub(/\.$/, ""); print }' >"$TUI_TMP/descs"
[ "$(wc -l <"$TUI_TMP/descs")" -ge 30 ] || fail "no descriptions from --man-keys"

# The help's text with its wrapped lines joined: the box (76 columns, centred at 80) without
# its borders, the lines' indentation removed.
help_text() {
	tui_screen | sed -n 's/^....\(.\{72\}\)....$/\1/p' | sed 's/^ *//; s/ *$//' |
		tr '\n' ' ' | tr -s ' '
}

tui_start 80 24 --no-config --paused
tui_wait 'regime and verdict'
tui_keys '?'
tui_wait 'help: keys, lines 1-[0-9]+ of [0-9]+'
tui_wait 'Up/Down/PgUp/PgDn/Home/End scroll, other keys close'
help_text | grep -qF 'perturb A and B to leave a saddle' || fail "kick's help cut at 80x24"
help_text | grep -qF 'double the speed cap (steps per second; past the top: unlimited)' ||
	fail "a long description not wrapped whole"
# Page down to the end: every action's full description is read at 80x24, page by page.
all=$(help_text)
for _ in 1 2 3 4 5 6 7 8; do
	tui_screen | grep -Eq 'lines [0-9]+-([0-9]+) of \1' && break
	before=$(tui_screen | grep -Eo 'lines [0-9]+-[0-9]+ of [0-9]+')
	tui_keys PgDn
	i=0
	while [ "$(tui_screen | grep -Eo 'lines [0-9]+-[0-9]+ of [0-9]+')" = "$before" ]; do
		i=$((i + 1))
		[ $i -le 50 ] || fail "PgDn did not scroll the help ($before)"
		sleep 0.1
	done
	all="$all $(help_text)"
done
while IFS= read -r d; do
	echo "$all" | grep -qF -- "$d" || fail "80x24: paging the help never shows '$d'"
done <"$TUI_TMP/descs"
tui_keys q
tui_wait '^EXITED 0$'

# A tall screen (with room for more actions than today's: a new one must not turn this into a
# paging test) shows every line at once.
tui_next
tui_start 80 100 --no-config --paused
tui_wait 'regime and verdict'
tui_keys F1
tui_wait 'help: keys'
! tui_screen | grep -q 'help: keys, lines' ||
	fail "80x100: the help does not fit at once: $(tui_screen | grep -Eo 'lines [0-9]+-[0-9]+ of [0-9]+')"
text=$(help_text)
while IFS= read -r d; do
	echo "$text" | grep -qF -- "$d" || fail "help lacks the whole description '$d'"
done <"$TUI_TMP/descs"
tui_keys q
tui_wait '^EXITED 0$'
