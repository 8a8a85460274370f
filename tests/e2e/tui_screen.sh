#!/bin/sh
# tui_screen.sh — a screen that explains itself (issue 12): the live status panel shows
# f(X), g(A,B), f(X*) and the floor as numbers; the axes are named ("step (log)") with
# round ticks; a ratio that is numerically zero is marked on a "≈ 0" row, not left out.
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 80 24 --no-config --seed 1
tui_wait 'regime and verdict'
tui_wait '│f\(X\) +[0-9]'
tui_wait '│g\(A,B\) +[0-9]'
tui_wait '│f\(X\*\) floor +[0-9.e-]+  [0-9.e-]+ '
tui_wait ' step \(log\) '
# The loss axis's labels are 1-2-5 values (here the decades 0.1 1 10).
tui_wait '^│ +(0\.1|0\.2|0\.5|1|2|5|10)┤'
ticks=$(tui_screen | sed -n '2,11p' | sed -n 's/^│ *\([0-9.e-]*\)┤.*/\1/p')
[ "$(echo "$ticks" | wc -l)" -ge 3 ] || fail "fewer than three loss ticks: $ticks"
for t in $ticks; do
	echo "$t" | grep -Eq '^(1|2|5)(0*|e-?[0-9]+)$|^0\.0*(1|2|5)$' || fail "loss tick $t is not round"
done
# approx with the default rank: σ_r/σ_r* is numerically 0, shown on its own row.
tui_wait '≈ 0┤ *•'
tui_wait 'σr/σr\* = [0-9.e-]+, log'
tui_keys q
tui_wait '^EXITED 0$'
