#!/bin/sh
# layers.sh — the layers only point down (HACKING.md, issue 10):
#   1. src/core includes no file-reading header: no header of src/io, no public header
#      implemented there (include/lorascope/X.h with a src/io/X.c);
#   2. src/tui includes nothing from src/cli;
#   3. session_priv.h is included only inside src/core;
#   4. the library (include/, src/core, src/io) never includes curses.
# Each broken rule prints FILE:LINE: the include, and the rule it breaks.
cd "$top_srcdir" || exit 1
bad=0
report() { # rule, grep output lines
	[ -n "$2" ] || return 0
	printf '%s\n' "$2" | while IFS= read -r line; do printf '%s: %s\n' "$line" "$1"; done
	bad=1
}

io_headers=""
for c in src/io/*.c; do
	b=$(basename "$c" .c)
	[ -f "include/lorascope/$b.h" ] && io_headers="$io_headers lorascope/$b.h"
done
for h in src/io/*.h; do
	io_headers="$io_headers $(basename "$h")"
done
[ -n "$io_headers" ] || { echo "no io headers found: is top_srcdir right?"; exit 1; }
for h in $io_headers; do
	report "core includes io ($h)" \
		"$(grep -n -E "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]*/)?$(basename "$h")\"" src/core/*.c src/core/*.h |
			grep -F "$h")"
done
report "core includes io" "$(grep -n -E '#[[:space:]]*include[[:space:]]*"[^"]*\.\./io/' src/core/*.[ch])"
report "tui includes cli" "$(grep -n -E '#[[:space:]]*include[[:space:]]*"[^"]*(\.\./cli/|src/cli/)' src/tui/*.[ch])"
for h in src/cli/*.h; do
	report "tui includes cli" "$(grep -n -F "\"$(basename "$h")\"" src/tui/*.[ch])"
done
report "session_priv.h outside src/core" \
	"$(grep -rn -E '#[[:space:]]*include[[:space:]]*"[^"]*session_priv\.h"' src include tests demos man --include='*.[ch]' |
		grep -v '^src/core/')"
report "library includes curses" \
	"$(grep -rn -E '#[[:space:]]*include[[:space:]]*<n?cursesw?/?[a-z]*\.h>' include src/core src/io --include='*.[ch]')"
[ "$bad" -eq 0 ] || exit 1
echo "layers: core -> no io, tui -> no cli, session_priv.h in core only, no curses in the library"
