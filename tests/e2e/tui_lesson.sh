#!/bin/sh
# tui_lesson.sh — `lorascope --lesson FILE`: the lesson's setup applies (rank, lambda), its
# first caption appears in the caption box, a pause stops the run (PAUSED, step held) until
# a key, then it goes on to the next caption; a lesson with a syntax error exits 2 with
# FILE:LINE:COL before the screen opens. The second caption comes 10 s after the first (200
# steps at 20/s), so a loaded machine still shows the first one long enough to be read.
. "$top_srcdir/tests/e2e/tui_lib.sh"

cd "$TUI_TMP" || exit 1
cat >l.lesson <<'L'
title "tmux test"
set m 12; set n 10; set rank 3; set true-rank 2; set lambda 0.03
at 0: caption "First caption: watch the loss."
at 200: caption "Second caption, then a pause."; pause
at 220: caption "Third caption after the key."
L
tui_start 120 36 --lesson l.lesson --speed 20
tui_wait 'First caption: watch the loss\.'
tui_wait '│λ +0\.03'
tui_wait '│r / r\* / s +3 /'
tui_wait 'Second caption, then a pause\.'
tui_wait 'PAUSED'
tui_wait 'press any key to go on'
s1=$(tui_value step)
sleep 1
s2=$(tui_value step)
[ "$s1" = "$s2" ] || fail "the run moved during the lesson's pause ($s1 -> $s2)"
tui_screen | grep -q 'Third caption' && fail "third caption before the key"
tui_keys z
tui_wait 'Third caption after the key\.'
tui_wait 'RUNNING'
tui_keys q
tui_wait '^EXITED 0$'

printf 'set rank 3\nat 10: caption "unterminated\n' >bad.lesson
out=$("$LORASCOPE" --lesson bad.lesson 2>&1 </dev/null)
[ $? -eq 2 ] || fail "bad lesson: exit status not 2"
echo "$out" | grep -Eq '^bad\.lesson:2:[0-9]+: ' || fail "bad lesson message: $out"
exit 0
