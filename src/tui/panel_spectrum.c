/* panel_spectrum.c — the singular values of X (live) as bars beside those of the
 * baseline's X*, on a log axis; σ_r and σ_{r*} marked under their bars, the numerical
 * rank counted (MATH.md §3, §8) (curses). */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lorascope/spectrum.h"
#include "theme.h"
#include "ui.h"

/* One bar of height frac (0..1 of c.h rows) in column x; zero or off-axis values get a
 * low mark so every singular value keeps a visible slot. */
static void bar(const ls_ui *ui, ls_rect c, int x, double frac, ls_role role)
{
	attrset(ls_theme_attr(role));
	if (!(frac > 0)) {
		mvaddstr(c.y + c.h - 1, x, LS_TXT(ui, "▁", "_"));
		attrset(A_NORMAL);
		return;
	}
	double hcells = (frac > 1 ? 1 : frac) * c.h;
	for (int k = 0; k < c.h; k++) {
		const char *g = ls_bar_glyph(hcells - k, ui->glyphs);
		if (g[0] == ' ')
			break;
		mvaddstr(c.y + c.h - 1 - k, x, g);
	}
	attrset(A_NORMAL);
}

void ls_panel_spectrum_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	size_t mk = ls_ui_module(ui, v);
	const ls_module_metrics *mm = v->m.nmod ? &v->m.mod[mk] : NULL;
	size_t ns = mm ? mm->nsigma : 0;
	bool star = ui->show_baseline && v->has_baseline;
	size_t rstar = v->rstar_mod[mk];
	size_t nstar = star ? rstar : 0;
	const double *sigma_star = v->sigma_star[mk];
	char title[160];
	snprintf(title, sizeof title, "%s r=%zu rank %zu", LS_TXT(ui, "σ(X)", "sv(X)"),
		 (size_t)v->cfg.rank, mm ? mm->num_rank : (size_t)0);
	if (v->m.nmod > 1) {
		size_t l = strlen(title);
		snprintf(title + l, sizeof title - l, " module %zu/%zu", mk + 1, v->m.nmod);
	}
	if (star) {
		size_t l = strlen(title);
		snprintf(title + l, sizeof title - l, " %s r*=%zu",
			 LS_TXT(ui, "· σ(X*)", "| sv(X*)"), rstar);
	}
	size_t k0 = ns > nstar ? ns : nstar;
	size_t ntg = mk == 0 && v->ntarget < k0 ? v->ntarget : 0;
	if (mk == 0 && v->ntarget >= k0)
		ntg = k0;
	if (ntg) {
		size_t l = strlen(title);
		snprintf(title + l, sizeof title - l, " %s",
			 LS_TXT(ui, "· ─ σ(target)", "| - target"));
	}
	ls_draw_box(ui, r, title);
	ls_scale ys;
	ls_scale_begin(&ys, 1);
	if (mm)
		ls_scale_add(&ys, mm->sigma, ns);
	ls_scale_add(&ys, sigma_star, nstar);
	ls_scale_add(&ys, v->target_sv, ntg);
	/* Values below the numerical-rank threshold count as zero (MATH.md §3): keep the
	 * axis above them so the counted rank is what stands out. */
	if (ys.hi >= ys.lo && ys.lo < ys.hi * LS_RANK_TOL * 0.1)
		ys.lo = ys.hi * LS_RANK_TOL * 0.1;
	ls_scale_finish(&ys);
	size_t k = ns > nstar ? ns : nstar;
	ls_scale xs = { 1, k > 1 ? (double)k : 2, 0 };
	ls_rect c = ls_draw_axes(ui, r, &ys, &xs, 0);
	if (c.w > 16 && c.h > 0 && k == 0 && v->replay)
		ls_draw_text(c.y, c.x + 1, c.w - 2, LS_ROLE_LABEL,
			     "(a trace records no singular values)");
	if (c.w <= 0 || c.h <= 0 || k == 0)
		return;
	/* Slot width: X bar, X* bar, gap — shrinking as the count grows. */
	int slot = star ? 3 : 2;
	if ((int)k * slot > c.w)
		slot = star ? 2 : 1;
	if ((int)k * slot > c.w)
		slot = 1;
	size_t shown = (size_t)(c.w / slot) < k ? (size_t)(c.w / slot) : k;
	/* The x labels of ls_draw_axes are positions; redo the row with slot marks. */
	mvhline(c.y + c.h, c.x, ' ', c.w);
	for (size_t i = 0; i < shown; i++) {
		int x = c.x + (int)i * slot;
		if (i < ns)
			bar(ui, c, x, ls_scale_frac(&ys, mm->sigma[i]), LS_ROLE_XBAR);
		if (star && slot >= 2 && i < nstar)
			bar(ui, c, x + 1, ls_scale_frac(&ys, sigma_star[i]), LS_ROLE_XSTAR);
		/* The target's σ_i as a tick in the gap column. */
		double ft = i < ntg && slot >= 3 ? ls_scale_frac(&ys, v->target_sv[i]) : NAN;
		if (ft >= 0 && ft <= 1) {
			int row = c.y + c.h - 1 - (int)lround(ft * (c.h - 1));
			ls_draw_text(row, x + 2, 1, LS_ROLE_MARK, LS_TXT(ui, "─", "-"));
		}
		char lab[4] = "";
		if (i + 1 == (size_t)v->cfg.rank)
			strcpy(lab, "r");
		if (star && i + 1 == rstar)
			strcpy(lab, i + 1 == (size_t)v->cfg.rank ? "r*" : "*");
		if (lab[0])
			ls_draw_text(c.y + c.h, x, c.x + c.w - x, LS_ROLE_MARK, lab);
	}
	if (!star) {
		char note[32] = "no baseline", key[LS_KEYS_HINT_LEN];
		if (v->has_baseline)
			snprintf(note, sizeof note, "X* hidden (%s)",
				 ls_keys_hint(&ui->keys, LS_ACT_BASELINE, key, sizeof key));
		/* In the top right corner, from 14 columns in (further for a long key name). */
		int len = (int)strlen(note) + 1;
		len = len < 14 ? 14 : len > c.w ? c.w : len;
		ls_draw_text(c.y, c.x + c.w - len, len, LS_ROLE_LABEL, note);
	}
	if (shown < k) {
		char more[32];
		snprintf(more, sizeof more, "+%zu", k - shown);
		ls_draw_text(c.y, c.x + c.w - (int)strlen(more), (int)strlen(more), LS_ROLE_LABEL,
			     more);
	}
}
