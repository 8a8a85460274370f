#!/bin/sh
# man_check.sh — the manual page cannot drift from the program:
#  1. its PARAMETERS section equals what man/docgen prints from LS_PARAM_LIST;
#  2. its INTERACTIVE COMMANDS section equals `lorascope --man-keys` (the key table);
#  3. every --option that any `lorascope ... --help` lists is documented (run, tui, inspect,
#     replay, plot);
#  4. groff renders it without a warning.
# With --update (make man-update) it rewrites the generated sections instead.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
LORASCOPE=${LORASCOPE:-$top_builddir/lorascope}
docgen=$top_builddir/man/docgen
page=$top_srcdir/man/lorascope.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$docgen" >"$tmp/params" || { echo "man/docgen failed"; exit 1; }
"$LORASCOPE" --man-keys >"$tmp/keys" || { echo "lorascope --man-keys failed"; exit 1; }

# section NAME FILE: the lines strictly between the BEGIN/END markers of NAME.
section() {
	awk -v b=".\\\\\" BEGIN $1" -v e=".\\\\\" END $1" '
		index($0, e) == 1 { on = 0 }
		on { print }
		index($0, b) == 1 { on = 1 }' "$2"
}

# replace NAME FILE: swap the marked section of the page for FILE's content.
replace() {
	awk -v b=".\\\\\" BEGIN $1" -v e=".\\\\\" END $1" -v f="$2" '
		index($0, e) == 1 { on = 0 }
		!on { print }
		index($0, b) == 1 { on = 1; while ((getline l < f) > 0) print l }' "$page" >"$tmp/page"
	cat "$tmp/page" >"$page"
}

if [ "${1:-}" = "--update" ]; then
	replace PARAMETERS "$tmp/params"
	replace KEYS "$tmp/keys"
	echo "updated $page"
	exit 0
fi

fail=0
for s in PARAMETERS:params KEYS:keys; do
	name=${s%%:*}
	section "$name" "$page" >"$tmp/have"
	if [ ! -s "$tmp/have" ]; then
		echo "man page: no $name section between its markers"
		fail=1
	elif ! diff -u "$tmp/have" "$tmp/${s#*:}" >"$tmp/diff"; then
		echo "man page: the $name section is out of date (run make man-update):"
		head -n 20 "$tmp/diff"
		fail=1
	fi
done

for cmd in run tui inspect replay watch plot; do
	"$LORASCOPE" "$cmd" --help 2>/dev/null | grep -o -E '^ +--[a-z0-9-]+' | tr -d ' ' |
		sort -u >"$tmp/opts.$cmd"
	[ "$cmd" = run ] && [ ! -s "$tmp/opts.$cmd" ] && { echo "lorascope run --help lists no option"; fail=1; }
	while read -r opt; do
		esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
		grep -q -- "$esc" "$page" || { echo "man page: $cmd option $opt is not documented"; fail=1; }
	done <"$tmp/opts.$cmd"
done

warn=$(groff -ww -man -z "$page" 2>&1)
if [ -n "$warn" ]; then
	echo "groff -ww warns:"
	echo "$warn"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "man page: generated sections current, every option documented, no groff warning"
exit "$fail"
