#!/bin/sh
# tui_config.sh — the defaults file $XDG_CONFIG_HOME/lorascope/config: good lines apply
# (lambda, rank, a key binding, the speed), a bad line is reported in the message bar with
# its file and line number and skipped, the command line overrides the file, --no-config
# ignores it.
. "$top_srcdir/tests/e2e/tui_lib.sh"

cd "$TUI_TMP" || exit 1
mkdir -p "$XDG_CONFIG_HOME/lorascope"
cat >"$XDG_CONFIG_HOME/lorascope/config" <<'C'
# my defaults
lambda = 0.0316
m = 12
n = 10
true-rank = 2
rank = 3
frobnicate = 7
key j = speed-up
speed = 32
C
tui_start 140 36
tui_wait 'lorascope/config:7: .*frobnicate.*skipped'
tui_wait '│λ +0\.0316'
tui_wait '│r / r\* / s +3 /'
tui_wait 'max 32/s'
tui_keys j
tui_wait 'max 64/s'
tui_keys q
tui_wait '^EXITED 0$'

tui_next
tui_start 140 36 --rank 2
tui_wait '│r / r\* / s +2 /'
tui_wait '│λ +0\.0316'
tui_keys q
tui_wait '^EXITED 0$'

tui_next
tui_start 140 36 --no-config
tui_wait '│λ +0\.5 '
tui_screen | grep -q 'frobnicate' && fail "--no-config still read the file"
tui_keys q
tui_wait '^EXITED 0$'
exit 0
