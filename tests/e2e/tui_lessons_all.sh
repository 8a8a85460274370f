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
		# One step a second between fast-forwards: a caption stays on screen until the test
		# has read it, however loaded the machine.
		tui_start "$1" "$2" --lesson "$f" --speed 1
		tui_wait '^┌─ loss'
		echo "$name at ${1}x$2: $(date +%s)"
		i=1
		end=$(($(date +%s) + 120))
		pressed=0
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
				end=$(($(date +%s) + 120))
				# Captions shown together are all read before going on; then '>' runs
				# (or goes on from the lesson's pause) to the next caption and stops there.
				next=$(sed -n "${i}p" "$name.want" | squeeze)
				case "$got" in
				*"$next"*) [ -n "$next" ] && continue ;;
				esac
				[ "$i" -le "$n" ] && tui_keys '>' && pressed=$(date +%s)
				continue
				;;
			esac
			# A pause with no caption of its own, before the one looked for: go on (not
			# twice for the same pause: the screen may lag the key by a frame).
			if tui_screen | grep -q 'press any key to go on' &&
				[ $(($(date +%s) - pressed)) -ge 2 ]; then
				tui_keys '>'
				pressed=$(date +%s)
			fi
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
