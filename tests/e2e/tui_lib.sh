# tui_lib.sh — helpers for the tmux-driven TUI tests (sourced, not run).
# Each test gets its own tmux server (-L socket) so tests never collide, runs the
# binary under TERM=xterm-256color and LANG=C.UTF-8, and polls capture-pane with a
# timeout instead of sleeping for fixed times.

command -v tmux >/dev/null 2>&1 || { echo "tmux not installed: skipping"; exit 77; }
: "${LORASCOPE:?LORASCOPE is not set}"

export TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR TMUX
SOCK_BASE="lorascope-test-$$-$(basename "$0" .sh)"
SOCK="$SOCK_BASE-0"
SOCKS="$SOCK"
TUI_TMP=$(mktemp -d)
# A user's defaults file never leaks into a test: an empty config home of its own.
export XDG_CONFIG_HOME="$TUI_TMP/xdg"
mkdir -p "$XDG_CONFIG_HOME"
trap 'for s in $SOCKS; do tmux -L "$s" kill-server 2>/dev/null; done; rm -rf "$TUI_TMP"' EXIT

# tui_next — end this tmux server and use a fresh one (a new socket) for the next phase.
tui_next() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	SOCK="$SOCK_BASE-$(echo "$SOCKS" | wc -w)"
	SOCKS="$SOCKS $SOCK"
}

# tui_start COLS LINES ARGS... — start the TUI in a detached session; when it exits the
# pane shows "EXITED <status>".
tui_start() {
	cols=$1; lines=$2; shift 2
	tmux -L "$SOCK" -f /dev/null new-session -d -x "$cols" -y "$lines" \
		"cd '$TUI_TMP' && '$LORASCOPE' $* ; echo EXITED \$?; sleep 60"
	tmux -L "$SOCK" set-option -g status off >/dev/null
}

# tui_screen [-e] — the visible screen text (with -e: with attribute escapes).
tui_screen() {
	tmux -L "$SOCK" capture-pane -p "$@"
}

# tui_wait PATTERN [SECONDS] — wait until the screen matches the extended regex.
tui_wait() {
	end=$(( $(date +%s) + ${2:-30} ))
	while [ "$(date +%s)" -le "$end" ]; do
		tui_screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	echo "FAIL: timed out waiting for /$1/; screen was:"
	tui_screen
	exit 1
}

# tui_keys KEYS... — send keys (tmux key names: q, Space, F2, C-l, Enter). An Escape that
# another key follows within ESCDELAY (25 ms) reads as Alt-<key>, in lorascope as in every
# terminal program, so after an Escape this waits 60 ms, as a person's next key would.
tui_keys() {
	if [ "${1:-}" = "-l" ]; then
		tmux -L "$SOCK" send-keys "$@"
		return
	fi
	for tui_key_ in "$@"; do
		tmux -L "$SOCK" send-keys "$tui_key_"
		[ "$tui_key_" = Escape ] && sleep 0.06
	done
	return 0
}

# tui_value LABEL — the status panel's value after LABEL.
tui_value() {
	tui_screen | sed -n "s/.*│$1  *\([^ │]*\).*/\1/p" | head -n 1
}

fail() {
	echo "FAIL: $*"
	tui_screen
	exit 1
}

# tui_fg_quit GONE — after a Ctrl-Z in a pane running sh: fg, wait until GONE (an extended
# regex matching the shell's lines) has left the screen (the program redrew), then until the
# program shows RUNNING; then q, and wait until sh has the terminal again.
tui_fg_quit() {
	tmux -L "$SOCK" send-keys "fg" Enter
	i=0
	while tui_screen | grep -Eq -- "$1"; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "no redraw after fg"
		sleep 0.1
	done
	tui_wait 'RUNNING'
	tui_keys q
	i=0
	while [ "$(tmux -L "$SOCK" display-message -p '#{pane_current_command}')" != sh ]; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "q did not end the program after fg"
		sleep 0.1
	done
}

# tui_tstp_in_write PID — SIGTSTP (as from ^Z) while PID's main thread, curses's, is inside a
# refresh: this tmux server is stopped, so the pane takes no more output and the thread soon
# blocks writing a frame; then the signal, then the server goes on. Returns 2 when that block
# cannot be seen (/proc/PID/task/PID/syscall unreadable): the caller skips its check.
tui_tstp_in_write() {
	# write(2)'s number on this system: the call a process writing to a full pipe sleeps in.
	tui_nr_=$(python3 -c '
import os, time
r, w = os.pipe()
data = b"x" * (1 << 20)
pid = os.fork()
if pid == 0:
    os.write(w, data)
    os._exit(0)
nr = ""
for _ in range(100):
    time.sleep(0.05)
    try:
        f = open("/proc/%d/syscall" % pid).read().split()
    except OSError:
        break
    if f and f[0] != "running":
        nr = f[0]
        break
os.kill(pid, 9)
print(nr)')
	[ -n "$tui_nr_" ] && [ -r "/proc/$1/task/$1/syscall" ] || return 2
	tui_server_=$(tmux -L "$SOCK" display-message -p '#{pid}')
	kill -STOP "$tui_server_"
	# Three looks 0.1 s apart in write(2): blocked there for good while the server sleeps.
	i=0
	n=0
	while [ $n -lt 3 ]; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			kill -CONT "$tui_server_"
			fail "the program never blocked writing to its stopped terminal"
		fi
		sleep 0.1
		if [ "$(cut -d' ' -f1 "/proc/$1/task/$1/syscall" 2>/dev/null)" = "$tui_nr_" ]; then
			n=$((n + 1))
		else
			n=0
		fi
	done
	kill -TSTP "$1"
	kill -CONT "$tui_server_"
	return 0
}
