#!/bin/sh
# tui_lessons_all.sh — every shipped lesson plays to its last caption in the TUI at 80x24 and
# 120x40, fast-forwarded with '>' (also through the lesson's pauses): each caption of the
# headless run (`run --lesson`, the same captions with the same live values) appears whole in
# the caption strip, right below the loss plot, which stays on screen; the lesson ends
# ("lesson over"). mk-step's captions after GD diverges come only if the divergence runs the
# lesson's "when diverged" rules.
. "$top_srcdir/tests/e2e/tui_lib.sh"

cd "$TUI_TMP" || exit 1
squeeze() { tr -s ' \n' '  ' | sed 's/^ //; s/ $//'; }

# The caption strip's text: the box right after the loss box at column 0 (its border and
# padding removed, lines joined by spaces).
strip_text() {
	tui_screen | awk '
		NR == 2 && $0 !~ /^┌─ loss/ { exit }
		state == 0 && NR > 2 && /^└/ { state = 1; next }
		state == 1 { if ($0 !~ /^┌/) exit; state = 2; next }
		state == 2 && /^└/ { exit }
		state == 2 { sub(/^│ /, ""); sub(/│.*/, ""); print }' | squeeze
}

for f in "$top_srcdir"/demos/lessons/*.lesson; do
	name=$(basename "$f" .lesson)
	"$LORASCOPE" run --lesson "$f" --every 1000000 --no-timing --format csv |
		sed -n 's/^# caption: \[step [0-9]*\] //p' >"$name.want" ||
		fail "$name: headless run failed"
	n=$(wc -l <"$name.want")
	[ "$n" -ge 3 ] || fail "$name: only $n captions headless"
	for size in "80 24" "120 40"; do
		set -- $size
		tui_next
		tui_start "$1" "$2" --lesson "$f"
		tui_wait '^┌─ loss'
		echo "$name at ${1}x$2: $(date +%s)"
		i=1
		end=$(($(date +%s) + 120))
		while [ "$i" -le "$n" ]; do
			[ "$(date +%s)" -le "$end" ] ||
				fail "$name at ${1}x$2: caption $i never shown whole: $(sed -n "${i}p" "$name.want")"
			got=$(strip_text)
			want=$(sed -n "${i}p" "$name.want" | squeeze)
			case "$got" in
			*"$want"*)
				tui_screen | sed -n 2p | grep -q '^┌─ loss' ||
					fail "$name at ${1}x$2: no loss plot with caption $i"
				# A person reads the screen: an undefined value says n/a, never nan.
				tui_screen | grep -iwq 'nan' &&
					fail "$name at ${1}x$2: nan on screen with caption $i"
				i=$((i + 1))
				continue
				;;
			esac
			# '>' again while fast-forwarding would run past the next caption, and so
			# would '>' before the first caption (at step 0) is on screen.
			[ "$i" -gt 1 ] && ! tui_screen | grep -q 'fast-forwarding' && tui_keys '>'
			sleep 0.2
		done
		# On to the lesson's stop ('>' after it says that no lesson is playing).
		end=$(($(date +%s) + 60))
		until tui_screen | grep -Eq 'lesson over|no lesson is playing'; do
			[ "$(date +%s)" -le "$end" ] || fail "$name at ${1}x$2: the lesson never ended"
			tui_keys '>'
			sleep 0.3
		done
		tui_keys q
		tui_wait '^EXITED 0$'
	done
done
exit 0
