#!/bin/sh
# tui_keys.sh — start the TUI, see every panel and the regime flag, then drive it with
# keys: L raises λ by √10 (status shows it), R adds a rank (the spectrum counts one
# more value), i restarts with the next initialisation, ? shows the help, F2 refuses an
# invalid value with a message and applies a valid one, q leaves the terminal clean.
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 110 32 --m 24 --n 24 --rank 5 --true-rank 3 --lambda 0.1
tui_wait 'regime and verdict'
# The regime flag (estimated within a second on this small problem) and the verdict band.
tui_wait 'SPECIAL|GENERIC|Theorem 1 does not apply'
tui_wait 'GLOBAL MINIMUM|NOT STATIONARY YET|SPURIOUS|SADDLE|SECOND-ORDER'
for p in 'loss \(log\)' 'σ\(X\) r=5' 'σr/σr\*' 'status' 'RUNNING' 'α̂ .* β̂ .* [0-9]+/[0-9]+ samples'; do
	tui_wait "$p" 2
done

# λ: 0.1 → 0.316228 (×√10), in the status panel and the message line.
tui_keys L
tui_wait 'lambda: 0.1 -> 0.316228'
tui_wait '│λ +0\.3162'

# Rank 5 → 6: the spectrum has one more value slot.
tui_keys R
tui_wait 'σ\(X\) r=6'
tui_wait 'rank 5 -> 6 \(X unchanged\)'
tui_screen | grep -q 'rank: 5 -> 6' && fail "the rank change is said twice"
tui_wait '│r / r\* / s +6 /'

# Next initialisation after peft is gaussian, and the run restarts from step 0.
tui_keys i
tui_wait 'init: peft -> gaussian'
tui_wait '│init +gaussian'

# Help overlay lists the keys; any key closes it.
tui_keys '?'
tui_wait 'help: keys'
tui_wait 'raise the rank by one'
tui_keys '?'
sleep 0.3
tui_screen | grep -q 'help: keys' && fail "help did not close"

# F2: an invalid value is refused and not applied; a valid one is applied.
tui_keys F2
tui_wait 'setup \(F2\)'
# Move down from the first parameter (selected) to lambda, counting rows on screen.
first=$(tui_screen | grep -n '│ *problem  ' | head -n 1 | cut -d: -f1)
target=$(tui_screen | grep -n '│ *lambda  ' | head -n 1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$target" ] || fail "setup rows not found"
n=$((target - first))
while [ $n -gt 0 ]; do tui_keys Down; n=$((n - 1)); done
# The selected parameter's whole help and range on the form's last line; the editing keys
# there while editing.
tui_wait '│ --lambda: weight decay lambda \(the nuclear-norm weight when s = 1\) \[0\.\.'
tui_keys Enter
tui_wait 'lambda  *[0-9.e-]*_'
tui_wait '│ --lambda: type a value; Enter applies, Esc cancels, \^U clears'
tui_keys C-u -- '-3' Enter
tui_wait 'refused: .*lambda'
tui_keys C-u '0.02' Enter
tui_wait 'lambda: 0.316228 -> 0.02'
tui_keys Escape
tui_wait 'status'
tui_wait '│λ +0\.02'

# w writes the history as a trace with the parameter header (the lambda set above among
# them), s saves a snapshot directory (in the working directory).
tui_keys w
tui_wait 'trace written to lorascope-trace-step[0-9]+\.csv'
f=$(ls "$TUI_TMP"/lorascope-trace-step*.csv | head -n 1)
head -n 1 "$f" | grep -q '^# lorascope' || fail "trace header: $(head -n 1 "$f")"
grep -q '^# lambda=0.02$' "$f" || fail "trace lacks the parameter lambda=0.02"
grep -q '^step,loss,reg_loss,' "$f" || fail "trace has no column line"
[ "$(grep -c '^[0-9]' "$f")" -ge 1 ] || fail "trace has no rows"
tui_keys s
tui_wait 'snapshot of step [0-9]+ saved to lorascope-step[0-9]+/'
# Named for the step it holds (the worker names it, not the key press that asked while the
# run went on).
saved=$(tui_screen | sed -n 's/.*snapshot of step \([0-9]*\) saved to lorascope-step\([0-9]*\)\/.*/\1 \2/p')
[ "${saved% *}" = "${saved#* }" ] || fail "snapshot of step ${saved% *} named lorascope-step${saved#* }"
g=$(ls -d "$TUI_TMP"/lorascope-step* | head -n 1)
[ -f "$g/manifest.json" ] && [ -f "$g/A_0.npy" ] || fail "no snapshot in $g: $(ls "$g")"

# q: the program exits 0 and the alternate screen is gone.
tui_keys q
tui_wait '^EXITED 0$'
tui_screen | grep -q 'status' && fail "screen not restored after q"
exit 0
