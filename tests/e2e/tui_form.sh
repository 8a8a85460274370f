#!/bin/sh
# tui_form.sh — F2's value is selected on entry: typing replaces it (as in a form), and
# Left/Backspace then edit it (issue 12).
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 100 30 --no-config --paused --lambda 0.5
tui_wait 'regime and verdict'
tui_keys F2
tui_wait 'setup \(F2\)'
first=$(tui_screen | grep -n '│ *problem  ' | head -n 1 | cut -d: -f1)
target=$(tui_screen | grep -n '│ *lambda  ' | head -n 1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$target" ] || fail "setup rows not found"
n=$((target - first))
while [ $n -gt 0 ]; do tui_keys Down; n=$((n - 1)); done
tui_wait '│ --lambda: weight decay'
tui_keys Enter
tui_wait 'lambda  +0\.5_'
# Typing replaces the selected 0.5 (it appended before: "0.50.02").
tui_keys '0.02'
tui_wait 'lambda  +0\.02_'
tui_keys Enter
tui_wait 'lambda: 0.5 -> 0.02'
# Editing: Left, then Backspace removes the character before the cursor (0.0|2 -> 0.|2).
tui_keys Enter
tui_wait 'lambda  +0\.02_'
tui_keys Left BSpace Enter
tui_wait 'lambda: 0.02 -> 0.2'
tui_keys Escape
tui_wait '│λ +0\.2 '
tui_keys q
tui_wait '^EXITED 0$'
