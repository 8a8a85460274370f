#!/bin/sh
# inspect_bad.sh — every bad PATH or file: exit status 2, exactly one line on stderr that
# names the file, nothing on stdout, nothing written.
set -u
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
SRC="$top_srcdir/tests/data/peft-distilbert-imdb"

mkdir "$work/trunc" "$work/noconf" "$work/badconf" "$work/empty"
head -c 100000 "$SRC/adapter_model.safetensors" > "$work/trunc/adapter_model.safetensors"
cp "$SRC/adapter_config.json" "$work/trunc/"
cp "$SRC/adapter_model.safetensors" "$work/noconf/"
cp "$SRC/adapter_model.safetensors" "$work/badconf/"
printf '{"r": 8, "lora_alpha": }' > "$work/badconf/adapter_config.json"
printf 'not a safetensors file at all' > "$work/garbage.safetensors"
printf '\377\377\377\377\377\377\377\377{}' > "$work/huge.safetensors"

check() { # path, text the message must contain
	before=$(ls -R "$work")
	"$LORASCOPE" inspect "$1" > "$work.out" 2> "$work.err"
	st=$?
	[ "$st" -eq 2 ] || fail "$1: exit status $st, expected 2"
	[ ! -s "$work.out" ] || fail "$1: wrote to stdout"
	[ "$(wc -l < "$work.err")" -eq 1 ] || fail "$1: stderr is not one line: $(cat "$work.err")"
	grep -qF "$2" "$work.err" || fail "$1: message lacks '$2': $(cat "$work.err")"
	[ "$(ls -R "$work")" = "$before" ] || fail "$1: files were written"
	rm -f "$work.out" "$work.err"
}
check "$work/trunc" "trunc/adapter_model.safetensors: tensor"
check "$work/noconf" "noconf: no adapter_config.json"
check "$work/badconf" "badconf/adapter_config.json: bad JSON"
check "$work/garbage.safetensors" "garbage.safetensors: header length"
check "$work/huge.safetensors" "huge.safetensors: header length 18446744073709551615 exceeds"
check "$work/empty" "empty: no adapter_model.safetensors"
check "$work/missing" "missing: no such file or directory"
check "$top_srcdir/tests/data/npy/array.npy" "array.npy: neither an adapter directory nor"

"$LORASCOPE" inspect > /dev/null 2>"$work.err"
[ $? -eq 2 ] || fail "no PATH: expected status 2"
# One line saying what is missing, not the whole --help on stderr.
[ "$(wc -l < "$work.err")" -eq 1 ] && grep -q 'missing PATH' "$work.err" ||
	fail "no PATH: not one line naming PATH: $(cat "$work.err")"
rm -f "$work.err"
"$LORASCOPE" inspect --bogus "$SRC" > /dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option: expected status 2"
exit 0
