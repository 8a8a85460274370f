#!/bin/sh
# tui_watch.sh — `lorascope watch DIR` live: checkpoints written by watch_mkrun.py are copied
# into an empty run directory one by one and each shows within 2 s (header, table, curves);
# a half-written adapter is reported incomplete and stays out until its file is completed;
# Left/Home/End move between checkpoints, Down/PgDn/Up between modules, f follows the newest;
# a checkpoint deleted (save_total_limit) disappears and its successor's drift is again
# "first checkpoint"; a resize lays it out again; ? shows the keys; q exits 0. No terminal or
# no directory: exit 2.
. "$top_srcdir/tests/e2e/tui_lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed: skipping"; exit 77; }

stage="$TUI_TMP/stage" run="$TUI_TMP/run"
python3 "$top_srcdir/tests/e2e/watch_mkrun.py" "$stage" 100 200 300 400 --modules 3 --theta 10 ||
	fail "watch_mkrun.py failed"
mkdir "$run"

tui_start 120 36 watch run
tui_wait 'run: 0 checkpoints'
tui_wait 'no checkpoint yet'

cp -r "$stage/checkpoint-100" "$run/"
tui_wait 'checkpoint 1/1 checkpoint-100' 2
tui_wait 'module 1/3'
tui_wait '0\.self_attn\.q_proj .* first checkpoint'
tui_wait 'eval_loss'

cp -r "$stage/checkpoint-200" "$run/"
tui_wait 'checkpoint 2/2 checkpoint-200' 2
# Consecutive checkpoints are 10 degrees apart (watch_mkrun.py): the angle in the table.
tui_wait '0\.self_attn\.q_proj .* 10° '

# A save in progress: the config and a third of the weights. Reported, not shown.
mkdir "$run/checkpoint-300"
cp "$stage/checkpoint-300/adapter_config.json" "$run/checkpoint-300/"
size=$(wc -c <"$stage/checkpoint-300/adapter_model.safetensors")
head -c $((size / 3)) "$stage/checkpoint-300/adapter_model.safetensors" \
	>"$run/checkpoint-300/adapter_model.safetensors"
tui_wait 'run: 2 checkpoints, 1 incomplete' 2
tui_screen | grep -q 'checkpoint 2/2 checkpoint-200' || fail "the partial checkpoint was selected"
w300="$run/checkpoint-300/adapter_model.safetensors"
cat "$stage/checkpoint-300/adapter_model.safetensors" >"$w300"
cp "$stage/checkpoint-300/trainer_state.json" "$run/checkpoint-300/"
tui_wait 'checkpoint 3/3 checkpoint-300' 2
tui_wait 'run: 3 checkpoints \|'

# Keys: checkpoints with Left/Home/End (follow goes off), modules with Down.
tui_keys Left
tui_wait 'checkpoint 2/3 checkpoint-200 .* follow off'
tui_keys Down
tui_wait 'module 2/3'
tui_wait 'σ\(ΔW\) 1\.self_attn\.q_proj'
tui_keys PgDn
tui_wait 'module 3/3'
tui_keys Up
tui_wait 'module 2/3'
tui_keys Home
tui_wait 'checkpoint 1/3 checkpoint-100'
tui_wait '1\.self_attn\.q_proj .* first checkpoint'
tui_wait 'drift not defined: first checkpoint'
tui_keys End
tui_wait 'checkpoint 3/3 checkpoint-300'
# Not following: a new checkpoint does not move the selection; f follows it.
cp -r "$stage/checkpoint-400" "$run/"
tui_wait 'run: 4 checkpoints' 2
tui_screen | grep -q 'checkpoint 3/4 checkpoint-300' ||
	fail "the selection moved while not following"
tui_keys f
tui_wait 'checkpoint 4/4 checkpoint-400 .* follow on'

# save_total_limit: the oldest goes; checkpoint-200 becomes the first.
rm -rf "$run/checkpoint-100"
tui_wait 'run: 3 checkpoints' 2
tui_screen | grep -q 'checkpoint-100' && fail "a deleted checkpoint is still shown"
tui_keys Home
tui_wait 'checkpoint 1/3 checkpoint-200'
tui_wait 'drift not defined: first checkpoint'

# Resize: too small says what it needs; 80x24 lays the screen out again (two curve plots).
tmux -L "$SOCK" resize-window -t 0 -x 60 -y 20
tui_wait 'terminal too small: need 80x24'
tmux -L "$SOCK" resize-window -t 0 -x 80 -y 24
tui_wait 'checkpoint 1/3 checkpoint-200'
tui_wait 'grad_norm'
tui_screen | grep -q 'learning_rate' && fail "80x24: the learning_rate plot should be left out"
tmux -L "$SOCK" resize-window -t 0 -x 120 -y 36
tui_wait 'learning_rate'

tui_keys '?'
tui_wait 'help: keys'
tui_wait 'follow the newest checkpoint'
tui_keys x
tui_wait 'checkpoint 1/3 checkpoint-200'
tui_keys q
tui_wait '^EXITED 0$'

# ASCII: the table's heading without UTF-8; --key binds as on the other screens.
tui_next
tui_start 100 30 watch run --ascii --key j=line-down
tui_wait 'module +\|dW\|F'
tui_wait 'module 1/3'
tui_keys j
tui_wait 'module 2/3'
tui_keys q
tui_wait '^EXITED 0$'

"$LORASCOPE" watch "$run" </dev/null >"$TUI_TMP/out" 2>"$TUI_TMP/err"
[ $? -eq 2 ] || fail "no terminal: exit status not 2"
grep -q -- '--once' "$TUI_TMP/err" || fail "no terminal: the message does not point at --once"
[ "$(wc -l <"$TUI_TMP/err")" -eq 1 ] || fail "no terminal: more than one line"
"$LORASCOPE" watch "$TUI_TMP/nonexistent" </dev/null >/dev/null 2>&1
[ $? -eq 2 ] || fail "missing DIR: exit status not 2"
exit 0
