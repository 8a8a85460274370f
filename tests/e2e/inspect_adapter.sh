#!/bin/sh
# inspect_adapter.sh — `lorascope inspect` on the DistilBERT PEFT fixture: 12 LoRA modules
# (q_lin and v_lin of 6 layers, scaling 2), 2 saved modules, no flags; the same through the
# safetensors file path (config found beside it) and --sigma.
set -u
DIR="$top_srcdir/tests/data/peft-distilbert-imdb"
fail() { echo "FAIL: $*"; exit 1; }

out=$("$LORASCOPE" inspect "$DIR") || fail "exit status $?"
rows=$(printf '%s\n' "$out" | grep -cE '^[0-5]\.attention\.(q|v)_lin +768x768 +8 +2 ')
[ "$rows" -eq 12 ] || fail "expected 12 module rows, got $rows"
printf '%s\n' "$out" | grep -q '^summary   12 LoRA modules (F32), 2 saved modules (4 tensors)' ||
	fail "summary line"
printf '%s\n' "$out" | grep -q '^flags     0 B=0, 0 NaN/Inf, 0 loud' || fail "flags line"
printf '%s\n' "$out" | grep -q 'modules under distilbert.transformer.layer.' || fail "prefix"

out2=$("$LORASCOPE" inspect "$DIR/adapter_model.safetensors") || fail "file path: exit $?"
[ "$(printf '%s\n' "$out" | sed 1,2d)" = "$(printf '%s\n' "$out2" | sed 1,2d)" ] ||
	fail "the directory and its safetensors file disagree"

nsig=$("$LORASCOPE" inspect --sigma "$DIR" | grep -c '^ *sigma:')
[ "$nsig" -eq 12 ] || fail "--sigma: expected 12 sigma lines, got $nsig"
"$LORASCOPE" inspect --help | grep -q 'usage: lorascope inspect PATH' || fail "--help"
exit 0
