#!/bin/sh
# run_modes.sh — files lorascope writes behave as other programs' files do (issue 13): a new
# trace or snapshot gets 0666/0777 & ~umask, a replaced trace keeps its mode, and a trace
# path that is a symbolic link is written through to its target (the link stays a link).
. "$top_srcdir/tests/e2e/run_lib.sh"
mode() { stat -c %a "$1"; }
run() { "$LORASCOPE" run --steps 20 --every 10 --baseline off "$@" >/dev/null || fail "run $*"; }

(umask 027 && run --trace "$TMP/new.csv" --snapshot "$TMP/snap") || exit 1
[ "$(mode "$TMP/new.csv")" = 640 ] || fail "new trace under umask 027: $(mode "$TMP/new.csv")"
[ "$(mode "$TMP/snap")" = 750 ] || fail "new snapshot dir under umask 027: $(mode "$TMP/snap")"
[ "$(mode "$TMP/snap/manifest.json")" = 640 ] || fail "snapshot manifest: $(mode "$TMP/snap/manifest.json")"
(umask 022 && run --trace "$TMP/new2.csv") || exit 1
[ "$(mode "$TMP/new2.csv")" = 644 ] || fail "new trace under umask 022: $(mode "$TMP/new2.csv")"

# An existing file keeps its mode, whatever the umask.
: >"$TMP/kept.csv"
chmod 0664 "$TMP/kept.csv"
(umask 077 && run --trace "$TMP/kept.csv") || exit 1
[ "$(mode "$TMP/kept.csv")" = 664 ] || fail "replaced trace: mode $(mode "$TMP/kept.csv"), was 664"
grep -q '^# lorascope' "$TMP/kept.csv" || fail "replaced trace not written"
# A replaced snapshot keeps its directory's mode too.
chmod 0755 "$TMP/snap"
(umask 077 && run --snapshot "$TMP/snap") || exit 1
[ "$(mode "$TMP/snap")" = 755 ] || fail "replaced snapshot dir: $(mode "$TMP/snap")"

# A symbolic link is written through: relative and absolute links, the link kept.
mkdir "$TMP/real"
ln -s real/target.csv "$TMP/rel.csv"
ln -s "$TMP/real/abs.csv" "$TMP/abs.csv"
run --trace "$TMP/rel.csv"
run --trace "$TMP/abs.csv"
for l in rel abs; do
	[ -L "$TMP/$l.csv" ] || fail "$l.csv: the link was replaced by a file"
done
grep -q '^# lorascope' "$TMP/real/target.csv" || fail "relative link: target not written"
grep -q '^# lorascope' "$TMP/real/abs.csv" || fail "absolute link: target not written"
[ -z "$(find "$TMP" -name '*.tmp*')" ] || fail "temporary files left: $(find "$TMP" -name '*.tmp*')"
echo "modes follow the umask or the replaced file; links written through"
