#!/bin/sh
# tui_notty.sh — without a terminal the TUI refuses with one line pointing at
# `lorascope run` and exit status 2; bad options are refused before curses starts.
: "${LORASCOPE:?}"
out=$("$LORASCOPE" </dev/null 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: exit $rc, expected 2"; exit 1; }
echo "$out" | grep -q 'lorascope run' || { echo "FAIL: message '$out'"; exit 1; }
[ "$(echo "$out" | wc -l)" -eq 1 ] || { echo "FAIL: more than one line: $out"; exit 1; }
out=$("$LORASCOPE" --ascii </dev/null 2>&1 | cat); rc=$?
echo "$out" | grep -q 'lorascope run' || { echo "FAIL: with options: '$out'"; exit 1; }
out=$("$LORASCOPE" --lambda nope 2>&1 </dev/null); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: bad value exit $rc"; exit 1; }
echo "$out" | grep -q 'lambda' || { echo "FAIL: bad value message '$out'"; exit 1; }
out=$("$LORASCOPE" --delay 0 2>&1 </dev/null); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: --delay 0 exit $rc"; exit 1; }
"$LORASCOPE" tui --help | grep -q -- '--no-color' || { echo "FAIL: tui --help"; exit 1; }
exit 0
