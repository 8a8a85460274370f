#!/bin/sh
# tui_zoom.sh — z shows one panel on the whole screen for a projector (issue 12): the loss plot
# spans the width with no other panel beside it; z again the spectrum, then the ratio, the
# verdict, the status; after the status every panel again. At 80x24 too.
. "$top_srcdir/tests/e2e/tui_lib.sh"

for size in "120 36" "80 24"; do
	set -- $size
	tui_start "$1" "$2" --m 12 --n 10 --rank 3 --true-rank 2
	tui_wait 'regime and verdict'
	tui_keys z
	tui_wait 'zoom: loss'
	# Row 2 is the loss box's top border and reaches the last column: nothing beside it.
	tui_screen | sed -n 2p | grep -q '^┌─ loss.*┐$' || fail "${1}x$2: loss not full width"
	tui_screen | grep -q 'regime and verdict\|status ──' && fail "${1}x$2: other panels shown"
	for p in 'σ\(X\)' 'σr/σr\*' 'regime and verdict' 'status'; do
		tui_keys z
		tui_wait "^┌─ $p"
		tui_screen | sed -n 2p | grep -q '┐$' || fail "${1}x$2: $p not full width"
	done
	tui_keys z
	tui_wait 'every panel'
	tui_wait 'regime and verdict'
	tui_screen | grep -q '┌─ loss' || fail "${1}x$2: loss panel missing after zoom off"
	tui_keys q
	tui_wait '^EXITED 0$'
	tui_next
done
echo "z zooms each panel to the whole screen in turn, then all again"
