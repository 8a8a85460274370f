#!/bin/sh
# tui_record.sh — --record FILE.cast: a scripted session (keys, then q) at 100×30 is a valid
# asciicast v2 (header, one JSON event a line, times non-decreasing, types o/r) whose output
# events, written into a fresh 100×30 pane, end on the screen the session ended on (text and
# attributes; the same events less one must not); a resize is an "r" event; SIGTERM leaves
# a valid cast; Ctrl-Z gives the shell a cooked terminal and fg resumes, and stops the
# program when pressed during a refresh too; replay, watch and inspect --tui record too; an
# unwritable path is refused in one line, exit 2.
. "$top_srcdir/tests/e2e/tui_lib.sh"

# tmux keeps the main screen: what the program drew stays after it quits, to compare.
cat >"$TUI_TMP/tmux.conf" <<'CONF'
set -g alternate-screen off
set -g status off
CONF
# rec_start COLS LINES CMD — run CMD (in $TUI_TMP) in a fresh pane; its status goes to rc.
rec_start() {
	rm -f "$TUI_TMP/rc"
	tmux -L "$SOCK" -f "$TUI_TMP/tmux.conf" new-session -d -x "$1" -y "$2" \
		"cd '$TUI_TMP' && $3; echo \$? > rc; sleep 60"
}
rec_wait_rc() {
	i=0
	while [ ! -s "$TUI_TMP/rc" ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "no exit within 30 s"
		sleep 0.1
	done
	cat "$TUI_TMP/rc"
}

cat >"$TUI_TMP/check.py" <<'PY'
# check.py CAST COLS LINES [OUT [DROP]]: exit 1 with a reason unless CAST is asciicast v2
# at COLS×LINES; OUT gets the output events' bytes, less the first one that contains DROP
# (with DROP "@big": less the last one of over 1000 characters).
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
if lines[-1] != b"":
    sys.exit("the cast does not end on a complete line")
h = json.loads(lines[0])
want = {"version": 2, "width": int(sys.argv[2]), "height": int(sys.argv[3])}
for k, v in want.items():
    if h.get(k) != v:
        sys.exit("header %s is %r, not %r" % (k, h.get(k), v))
if not isinstance(h.get("timestamp"), int) or not isinstance(h.get("title"), str):
    sys.exit("header timestamp or title missing")
if not isinstance(h.get("env"), dict) or not {"TERM", "SHELL"} <= set(h["env"]):
    sys.exit("header env lacks TERM or SHELL")
last, out = 0.0, []
for i, raw in enumerate(lines[1:-1], 2):
    e = json.loads(raw)
    if not (isinstance(e, list) and len(e) == 3 and isinstance(e[0], (int, float))
            and e[1] in ("o", "r") and isinstance(e[2], str)):
        sys.exit("line %d is not an event: %r" % (i, raw[:80]))
    if e[0] < last:
        sys.exit("line %d: time %g before %g" % (i, e[0], last))
    last = e[0]
    if e[1] == "o":
        out.append(e[2])
    print(e[1], e[2] if e[1] == "r" else len(e[2]))
if len(out) < 2:
    sys.exit("fewer than two output events")
if len(sys.argv) > 5:
    if sys.argv[5] == "@big":
        hit = [i for i, d in enumerate(out) if len(d) > 1000][-1:]
    else:
        hit = [i for i, d in enumerate(out) if sys.argv[5] in d][:1]
    if not hit:
        sys.exit("no output event to drop for %r" % sys.argv[5])
    del out[hit[0]]
if len(sys.argv) > 4:
    open(sys.argv[4], "wb").write("".join(out).encode("utf-8"))
PY
# The replayer: the bytes on a raw terminal, as they reached the live one.
cat >"$TUI_TMP/play.py" <<'PY'
import os, sys, tty
tty.setraw(1)
os.write(1, open(sys.argv[1], "rb").read())
open("played", "w").close()
PY

# rec_play BYTES — write BYTES into a fresh 100×30 pane; its screen in play.txt/play.e.
rec_play() {
	tui_next
	rm -f "$TUI_TMP/played"
	rec_start 100 30 "python3 play.py $1"
	i=0
	while [ ! -e "$TUI_TMP/played" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "the replayer did not finish"
		sleep 0.1
	done
	sleep 0.5
	tui_screen >"$TUI_TMP/play.txt"
	tui_screen -e >"$TUI_TMP/play.e"
}

# A session: training frames, pause, help overlay and back, zoom, then q.
rec_start 100 30 "'$LORASCOPE' --record live.cast --m 16 --n 16 --rank 3 --true-rank 2"
tui_wait 'regime and verdict'
sleep 1
tui_keys Space
tui_wait PAUSED
tui_keys '?'
sleep 0.5
tui_keys Escape z
sleep 0.5
tui_keys q
[ "$(rec_wait_rc)" = 0 ] || fail "q did not exit 0"
tui_screen >"$TUI_TMP/live.txt"
tui_screen -e >"$TUI_TMP/live.e"
grep -q 'PAUSED' "$TUI_TMP/live.txt" || fail "the last frame is not on the screen"
python3 "$TUI_TMP/check.py" "$TUI_TMP/live.cast" 100 30 "$TUI_TMP/all.bin" >/dev/null ||
	fail "invalid cast"
rec_play all.bin
cmp -s "$TUI_TMP/live.txt" "$TUI_TMP/play.txt" || {
	diff "$TUI_TMP/live.txt" "$TUI_TMP/play.txt" | head -n 20
	fail "the replayed cast ends on another screen"
}
cmp -s "$TUI_TMP/live.e" "$TUI_TMP/play.e" || fail "the replayed cast has other attributes"
# The comparison sees a lost event: without the first frame's (the loss panel's corner is
# drawn once) or (most of) the zoomed frame's, the screen differs.
for drop in 'loss (log)' @big; do
	python3 "$TUI_TMP/check.py" "$TUI_TMP/live.cast" 100 30 "$TUI_TMP/less.bin" "$drop" \
		>/dev/null || fail "invalid cast"
	rec_play less.bin
	cmp -s "$TUI_TMP/live.e" "$TUI_TMP/play.e" && fail "event '$drop' dropped, same screen"
done
tui_next

# A resize is an "r" event with the new size.
rec_start 100 30 "'$LORASCOPE' --record resize.cast --paused --m 16 --n 16 --rank 3"
tui_wait 'regime and verdict'
tmux -L "$SOCK" resize-window -t 0 -x 90 -y 25
tui_wait 'regime and verdict'
tui_keys q
[ "$(rec_wait_rc)" = 0 ] || fail "q did not exit 0 after a resize"
python3 "$TUI_TMP/check.py" "$TUI_TMP/resize.cast" 100 30 >"$TUI_TMP/events" ||
	fail "invalid cast after a resize"
grep -q '^r 90x25$' "$TUI_TMP/events" || fail "no resize event 90x25"
tui_next

# SIGTERM while recording: exit 143, the cast valid and complete (the screen given back).
rec_start 100 30 "'$LORASCOPE' --record term.cast --m 16 --n 16 --rank 3 --true-rank 2"
tui_wait 'regime and verdict'
shell=$(tmux -L "$SOCK" list-panes -F '#{pane_pid}' | head -n 1)
prog=$(pgrep -P "$shell" -x lorascope | head -n 1)
[ -n "$prog" ] || fail "no lorascope process"
kill -TERM "$prog"
[ "$(rec_wait_rc)" = 143 ] || fail "SIGTERM did not exit 143"
python3 "$TUI_TMP/check.py" "$TUI_TMP/term.cast" 100 30 >/dev/null ||
	fail "invalid cast after SIGTERM"
grep -q '1049l' "$TUI_TMP/term.cast" || fail "the cast lacks the screen's restore"
tui_next

# replay --record: the same recorder, the trace's name in the title.
"$LORASCOPE" run --m 8 --n 8 --rank 2 --steps 20 --trace "$TUI_TMP/t.csv" >/dev/null ||
	fail "run --trace"
rec_start 80 24 "'$LORASCOPE' replay t.csv --record replay.cast"
tui_wait 'loss'
tui_keys End q
[ "$(rec_wait_rc)" = 0 ] || fail "replay did not exit 0"
python3 "$TUI_TMP/check.py" "$TUI_TMP/replay.cast" 80 24 >/dev/null || fail "invalid replay cast"
grep -q '"title": "lorascope replay t.csv"' "$TUI_TMP/replay.cast" || fail "replay title"
tui_next

# inspect --tui --record; --record without --tui is refused.
ad="$top_srcdir/tests/data/peft-distilbert-imdb"
rec_start 120 30 "'$LORASCOPE' inspect '$ad' --tui --record inspect.cast"
tui_wait 'modules 1/12'
tui_keys Down q
[ "$(rec_wait_rc)" = 0 ] || fail "inspect --tui did not exit 0"
python3 "$TUI_TMP/check.py" "$TUI_TMP/inspect.cast" 120 30 >/dev/null ||
	fail "invalid inspect cast"
grep -q '"title": "lorascope inspect ' "$TUI_TMP/inspect.cast" || fail "inspect title"
"$LORASCOPE" inspect "$ad" --record "$TUI_TMP/no.cast" 2>/dev/null
[ $? = 2 ] || fail "inspect --record without --tui did not exit 2"
tui_next

# watch --record: a run written by run --save-peft, its directory in the title.
"$LORASCOPE" run --m 8 --n 8 --rank 2 --steps 20 --save-peft "$TUI_TMP/wrun" --every 10 \
	>/dev/null || fail "run --save-peft"
rec_start 100 30 "'$LORASCOPE' watch wrun --record watch.cast"
tui_wait 'checkpoint-20'
tui_keys Left q
[ "$(rec_wait_rc)" = 0 ] || fail "watch did not exit 0"
python3 "$TUI_TMP/check.py" "$TUI_TMP/watch.cast" 100 30 >/dev/null || fail "invalid watch cast"
grep -q '"title": "lorascope watch wrun"' "$TUI_TMP/watch.cast" || fail "watch title"
tui_next

# Ctrl-Z while recording: the shell gets a line-mode terminal back (canonical, echo); fg
# brings the screen back and q still quits with a valid cast.
tmux -L "$SOCK" -f "$TUI_TMP/tmux.conf" new-session -d -x 100 -y 30 "cd '$TUI_TMP' && sh"
tmux -L "$SOCK" send-keys "'$LORASCOPE' --no-config --record stop.cast" Enter
tui_wait 'RUNNING'
tui_keys C-z
tui_wait 'Stopped'
tmux -L "$SOCK" send-keys "stty -a | tr ' ' '\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo MODES" Enter
# The output line, not the echo of the command (which ends in MODES too).
tui_wait '^(-?(icanon|echo) )*MODES$'
tui_screen | grep -q '^icanon echo MODES$' || fail "terminal left raw after Ctrl-Z: $(tui_screen | grep 'MODES$')"
# The screen is redrawn on resume (the shell's lines go): then the program reads keys again;
# the shell's next command only once the program has ended (its keys are not the program's).
tui_fg_quit MODES
tmux -L "$SOCK" send-keys "echo RC \$?" Enter
tui_wait 'RC 0$'
python3 "$TUI_TMP/check.py" "$TUI_TMP/stop.cast" 100 30 >/dev/null || fail "invalid cast after Ctrl-Z"
tui_next

# Ctrl-Z while a frame is being written (curses ignores SIGTSTP during a refresh): the
# program still stops, once the frame is out.
tmux -L "$SOCK" -f "$TUI_TMP/tmux.conf" new-session -d -x 100 -y 30 "cd '$TUI_TMP' && sh"
tmux -L "$SOCK" send-keys "'$LORASCOPE' --no-config --record block.cast" Enter
tui_wait 'RUNNING'
shell=$(tmux -L "$SOCK" list-panes -F '#{pane_pid}' | head -n 1)
prog=$(pgrep -P "$shell" -x lorascope | head -n 1)
[ -n "$prog" ] || fail "no lorascope process"
if tui_tstp_in_write "$prog"; then
	tui_wait 'Stopped'
else
	echo "cannot see the program's system call: Ctrl-Z during a refresh not checked"
fi
tui_next

# An unwritable path: one line, exit 2, before the screen is taken.
rec_start 80 24 "'$LORASCOPE' --record nodir/x.cast 2>err"
[ "$(rec_wait_rc)" = 2 ] || fail "unwritable --record did not exit 2"
[ "$(wc -l <"$TUI_TMP/err")" = 1 ] || fail "not one line: $(cat "$TUI_TMP/err")"
grep -q -- '--record: cannot write nodir/x.cast' "$TUI_TMP/err" || fail "$(cat "$TUI_TMP/err")"
exit 0
