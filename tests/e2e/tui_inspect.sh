#!/bin/sh
# tui_inspect.sh — `lorascope inspect PATH --tui` on the PEFT fixture: 12 modules listed,
# Down selects the next one (its name in the spectrum title), End the last, the module
# box shows r, norms, effective and noise ranks and flags; q quits; a path too long for the
# header is shortened from its start; a bad path exits 2 before the screen.
. "$top_srcdir/tests/e2e/tui_lib.sh"

ad="$top_srcdir/tests/data/peft-distilbert-imdb"
[ -d "$ad" ] || { echo "fixture $ad missing"; exit 1; }
tui_start 150 40 inspect "$ad" --tui
tui_wait 'modules 1/12'
tui_wait '12 modules'
n=$(tui_screen | grep -c '│[> ] [a-z0-9_.]*lin')
[ "$n" -eq 12 ] || fail "expected 12 module rows, saw $n"
tui_wait 'r 8'
tui_wait 'stable rank'
tui_wait 'effective 7.18'
tui_wait 'noise 8'
tui_keys Down
tui_wait 'modules 2/12'
tui_keys End
tui_wait 'modules 12/12'
tui_keys q
tui_wait '^EXITED 0$'
tui_next

# A path longer than the screen gives way from its start: the header keeps "q quit".
long="$ad"
for i in 1 2 3 4 5 6; do long="$long/../$(basename "$ad")"; done
tui_start 90 30 inspect "$long" --tui
tui_wait 'modules 1/12'
tui_screen | head -1 | grep -q "lorascope inspect …/*.*peft-distilbert-imdb  12 modules  q quit" ||
	fail "long path: header lost its end: $(tui_screen | head -1)"
tui_keys q
tui_wait '^EXITED 0$'

"$LORASCOPE" inspect /nonexistent --tui </dev/null >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad path: exit status not 2"
exit 0
