/* panel_verdict.c — the regime flag and the verdict, big and coloured, with the numbers
 * behind them (Kim–Kim–Ryu Corollary 1, MATH.md §4–§5) (curses). */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "theme.h"
#include "ui.h"

/* A full-width reversed band with centred text: impossible to miss. */
static void band(ls_rect r, int y, ls_role role, const char *text)
{
	int w = r.w - 2;
	attrset(ls_theme_attr(role));
	mvhline(y, r.x + 1, ' ', w);
	attrset(A_NORMAL);
	int len = (int)strlen(text);
	int x = r.x + 1 + (w - len) / 2;
	ls_draw_text(y, x < r.x + 1 ? r.x + 1 : x, w, role, text);
}

void ls_panel_verdict_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	ls_draw_box(ui, r, "regime and verdict");
	int y = r.y + 1, w = r.w - 2;
	if (v->diverged) {
		band(r, y++, LS_ROLE_BAD, "DIVERGED");
		ls_draw_text(y++, r.x + 1, w, LS_ROLE_NORMAL, " paused: lower eta (e), reset (x)");
	} else {
		band(r, y++, LS_ROLE_INFO, "REGIME: NOT ESTIMATED YET");
		band(r, y++, LS_ROLE_WARN, "VERDICT: NOT COMPUTED YET");
	}
	char line[128], a[24], b[24];
	ls_axis_format(v->m.ratio, 8, a, sizeof a);
	snprintf(line, sizeof line, " %s = %s", LS_TXT(ui, "σr/σr*", "s_r/s_r*"), a);
	ls_draw_text(y++, r.x + 1, w, LS_ROLE_NORMAL, line);
	if (y < r.y + r.h - 1) {
		if (v->has_baseline) {
			ls_axis_format(v->floor, 9, a, sizeof a);
			ls_axis_format(v->xstar_fro, 9, b, sizeof b);
			snprintf(line, sizeof line, " floor %s  %s %s%s", a,
				 LS_TXT(ui, "‖X*‖F", "|X*|F"), b,
				 v->baseline_certified ? "" : " (uncertified)");
		} else {
			snprintf(line, sizeof line, " no baseline (large problem: F2 baseline=on)");
		}
		ls_draw_text(y++, r.x + 1, w, LS_ROLE_LABEL, line);
	}
}
