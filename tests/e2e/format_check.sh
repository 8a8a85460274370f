#!/bin/sh
# format_check.sh — every C source and header follows the committed .clang-format
# (STYLE.md rule 11). Fix a failure with: clang-format -i FILE.
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
echo "$(echo "$files" | wc -l) files follow .clang-format"
