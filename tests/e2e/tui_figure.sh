#!/bin/sh
# tui_figure.sh — the P key draws the panels on the screen as lorascope-stepN.svg (the message
# names the file and the step): well-formed (xmllint), with the series of the screen as one
# stroked path each (f, g, f*, the floor and the ratio: 5, no threshold estimated yet or one
# more); no temporary file is left beside it.
. "$top_srcdir/tests/e2e/tui_lib.sh"

cd "$TUI_TMP" || exit 1
tui_start 120 36 --m 12 --n 10 --rank 3 --speed 400
tui_wait '│step +[0-9]{2,}'
tui_keys Space
tui_wait 'PAUSED'
tui_keys P
tui_wait 'figure of step [0-9]+ written to lorascope-step[0-9]+\.svg'
n=$(tui_screen | sed -n 's/.*figure of step \([0-9]*\) written.*/\1/p' | head -n 1)
[ "$(tui_value step)" = "$n" ] || fail "figure of step $n, shown $(tui_value step)"
f=lorascope-step$n.svg
xmllint --noout "$f" || fail "$f is not well-formed"
s=$(grep -o '<path style="[^"]*"' "$f" | grep -v 'stroke:none' | grep -c 'stroke:')
[ "$s" -eq 5 ] || [ "$s" -eq 6 ] || fail "$f: $s series, expected 5 or 6"
tui_keys q
tui_wait '^EXITED 0$'
[ "$(ls lorascope-step*.svg | wc -l)" -eq 1 ] || fail "files: $(ls)"
[ -z "$(ls -a | grep tmp)" ] || fail "a temporary file was left: $(ls -a)"
exit 0
