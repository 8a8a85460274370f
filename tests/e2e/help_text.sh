#!/bin/sh
# help_text.sh — every --help reads well in an 80-column terminal (an SSH session): no line
# wider than 80 columns, and no sentence broken into an orphan fragment (inspect --help once
# ended "...99 % of\nsum sigma^2)\nand flags."). The TUI's option rows give the argument
# beside the option ("--delay MS") and file parameters say "[default: none]".
: "${LORASCOPE:?LORASCOPE is not set}"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cmd in "" run inspect replay tui watch; do
	# shellcheck disable=SC2086
	"$LORASCOPE" $cmd --help >"$tmp/h" || fail "lorascope $cmd --help failed"
	[ -s "$tmp/h" ] || fail "lorascope $cmd --help printed nothing"
	LC_ALL=C.UTF-8 awk -v c="$cmd" 'length($0) > 80 { print "FAIL: lorascope " c " --help line " NR
		" has " length($0) " columns: " $0; bad = 1 } END { exit bad }' "$tmp/h" || exit 1
	# An orphan: a line of at most two words right after a non-empty line, itself followed by
	# a non-empty line (a wrapped sentence, not a list item or heading).
	awk -v c="$cmd" 'prev != "" && $0 !~ /^ *-/ && $0 !~ /:$/ && NF > 0 && NF <= 2 &&
		$0 !~ /^ / { held = NR ": " $0; next_check = 1; prev = $0; next }
		next_check && NF > 0 { print "FAIL: lorascope " c " --help, orphan line " held; bad = 1 }
		{ next_check = 0; prev = $0 } END { exit bad }' "$tmp/h" || exit 1
done
"$LORASCOPE" tui --help >"$tmp/t"
grep -q '^  --delay MS  ' "$tmp/t" || fail "tui --help: no '--delay MS' row"
grep -q '\[default: none\]' "$tmp/t" && ! grep -q '\[default: \]' "$tmp/t" ||
	fail "tui --help: a file parameter shows an empty default"
grep -q 'see lesson.h' "$tmp/t" && fail "tui --help points users at a source header"
exit 0
