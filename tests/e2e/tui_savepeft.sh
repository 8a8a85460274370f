#!/bin/sh
# tui_savepeft.sh — the a key saves the paused run as lorascope-run/checkpoint-N (the message
# names the directory and the step); the checkpoint is read by inspect, and its
# trainer_state.json says global_step N; with --save-peft DIR it goes to DIR/checkpoint-N; a
# --save-peft that cannot be written is named on the message line and the key refuses it.
. "$top_srcdir/tests/e2e/tui_lib.sh"

cd "$TUI_TMP" || exit 1
tui_start 120 36 --m 12 --n 10 --rank 3 --speed 400
tui_wait '│step +[0-9]{2,}'
tui_keys Space
tui_wait 'PAUSED'
tui_keys a
tui_wait 'adapter of step [0-9]+ saved to lorascope-run/checkpoint-[0-9]+/'
n=$(tui_screen | sed -n 's/.*adapter of step \([0-9]*\) saved.*/\1/p' | head -n 1)
[ "$(tui_value step)" = "$n" ] || fail "saved step $n, shown $(tui_value step)"
tui_keys q
tui_wait '^EXITED 0$'
[ "$(ls lorascope-run)" = "checkpoint-$n" ] || fail "lorascope-run holds $(ls lorascope-run)"
"$LORASCOPE" inspect "lorascope-run/checkpoint-$n" >/dev/null || fail "inspect: exit $?"
grep -q "\"global_step\": $n," "lorascope-run/checkpoint-$n/trainer_state.json" ||
	fail "trainer_state.json: not global_step $n"

tui_next
tui_start 120 36 --m 12 --n 10 --rank 3 --paused --save-peft mine
tui_wait 'PAUSED'
tui_keys a
tui_wait 'adapter of step 0 saved to mine/checkpoint-0/'
tui_keys q
tui_wait '^EXITED 0$'
[ -f mine/checkpoint-0/adapter_model.safetensors ] || fail "no mine/checkpoint-0"

tui_next
: >afile
tui_start 120 36 --m 12 --n 10 --rank 3 --paused --save-peft afile
tui_wait '[-]-save-peft: afile: exists and is not a directory'
tui_keys a
tui_wait 'save-peft: afile: exists and is not a directory'
tui_keys q
tui_wait '^EXITED 0$'
exit 0
