#!/bin/sh
# format_check.sh — every C source and header follows the committed .clang-format
# (STYLE.md rule 11; fix a failure with: clang-format -i FILE), and no C source of the
# program, the man page generator or the demos is over 600 lines.
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed: skipping"; exit 77; }
cd "$top_srcdir" || exit 1
files=$(find src include tests demos man -name '*.[ch]' | sort)
[ -n "$files" ] || { echo "no C sources found under $top_srcdir"; exit 1; }
# shellcheck disable=SC2086
if ! clang-format --dry-run -Werror $files 2>"${TMPDIR:-/tmp}/format_check.$$"; then
	grep -E '^[^ ].*: error' "${TMPDIR:-/tmp}/format_check.$$" | head -n 20
	rm -f "${TMPDIR:-/tmp}/format_check.$$"
	echo "files above differ from .clang-format: run clang-format -i on them"
	exit 1
fi
rm -f "${TMPDIR:-/tmp}/format_check.$$"
# Files of a few hundred lines with one job (STYLE.md): no C source over 600 lines.
long=$(find src man demos -name '*.c' -exec wc -l {} + | awk '$2 != "total" && $1 > 600')
[ -z "$long" ] || { echo "C files over 600 lines (split them by job):"; echo "$long"; exit 1; }
echo "$(echo "$files" | wc -l) files follow .clang-format; no source file over 600 lines"
