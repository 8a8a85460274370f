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
	/* The title, shortened on purpose: the target's marks, then X*, then the counts go. */
	char mod[40] = "", t[5][200];
	if (v->m.nmod > 1)
		snprintf(mod, sizeof mod, " module %zu/%zu", mk + 1, v->m.nmod);
	const char *sx = LS_TXT(ui, "σ(X)", "sv(X)");
	size_t k0 = ns > nstar ? ns : nstar;
	size_t ntg = mk == 0 && v->ntarget < k0 ? v->ntarget : 0;
	if (mk == 0 && v->ntarget >= k0)
		ntg = k0;
	char own[80], xstar[48] = "", tgt[48] = "";
	snprintf(own, sizeof own, "%s r=%zu rank %zu%s", sx, (size_t)v->cfg.rank,
		 mm ? mm->num_rank : (size_t)0, mod);
	if (star)
		snprintf(xstar, sizeof xstar, " %s r*=%zu", LS_TXT(ui, "· σ(X*)", "| sv(X*)"),
			 rstar);
	if (ntg)
		snprintf(tgt, sizeof tgt, " %s", LS_TXT(ui, "· ─ σ(target)", "| - target"));
	snprintf(t[0], sizeof t[0], "%s%s%s, log", own, xstar, tgt);
	snprintf(t[1], sizeof t[1], "%s%s%s", own, xstar, tgt);
	snprintf(t[2], sizeof t[2], "%s%s", own, xstar);
	snprintf(t[3], sizeof t[3], "%s", own);
	snprintf(t[4], sizeof t[4], "%s rank %zu", sx, mm ? mm->num_rank : (size_t)0);
	const char *const tv[5] = { t[0], t[1], t[2], t[3], t[4] };
	int pick = ls_text_pick(tv, 5, r.w - 6);
	ls_draw_box(ui, r, pick >= 0 ? tv[pick] : NULL);
	/* What the marks under the bars mean, on the bottom border. */
	char b[3][120];
	snprintf(b[0], sizeof b[0], "bar i: %s%s%s", LS_TXT(ui, "σi", "sv_i"),
		 star ? LS_TXT(ui, " · r: σr · *: σr*", " | r: sv_r | *: sv_r*")
		      : LS_TXT(ui, " · r: σr", " | r: sv_r"),
		 ntg ? LS_TXT(ui, " · ─: target", " | -: target") : "");
	snprintf(b[1], sizeof b[1], "%s", star ? "r: rank r · *: r*" : "r: rank r");
	snprintf(b[2], sizeof b[2], "bar i: %s", LS_TXT(ui, "σi", "sv_i"));
	if (!ui->unicode)
		snprintf(b[1], sizeof b[1], "%s", star ? "r: rank r | *: r*" : "r: rank r");
	const char *const bv[3] = { b[0], b[1], b[2] };
	pick = ls_text_pick(bv, 3, r.w - 6);
	if (pick >= 0 && r.h > 2) {
		char lab[140];
		snprintf(lab, sizeof lab, " %s ", bv[pick]);
		int len = ls_text_cols(lab);
		ls_draw_text(r.y + r.h - 1, r.x + r.w - 2 - len, len, LS_ROLE_LABEL, lab);
	}
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
	ls_axes ax = { .ys = &ys };
	ls_rect c = ls_draw_axes(ui, r, &ax);
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
	/* The x label row: r and r* under their bars. */
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
		char note[48] = "no baseline", key[LS_KEYS_HINT_LEN];
		if (v->baseline_pending)
			snprintf(note, sizeof note, "X* computing %.0f%%",
				 100 * v->baseline_progress);
		else if (v->has_baseline)
			snprintf(note, sizeof note, "X* hidden (%s shows it)",
				 ls_keys_hint(&ui->keys, LS_ACT_BASELINE, key, sizeof key));
		/* In the top right corner, from 14 columns in (further for a long key name). */
		int len = (int)strlen(note) + 1;
		len = len < 14 ? 14 : len > c.w ? c.w : len;
		ls_draw_text(c.y, c.x + c.w - len, len, LS_ROLE_LABEL, note);
	}
	if (shown < k) {
		/* The bars that do not fit, said in words (on the label row, right). */
		char more[2][48];
		snprintf(more[0], sizeof more[0], "+%zu more not shown", k - shown);
		snprintf(more[1], sizeof more[1], "+%zu more", k - shown);
		const char *const mv[2] = { more[0], more[1] };
		int m = ls_text_pick(mv, 2, c.w / 2);
		if (m >= 0) {
			int len = (int)strlen(mv[m]);
			ls_draw_text(c.y + c.h, c.x + c.w - len, len, LS_ROLE_LABEL, mv[m]);
		}
	}
}
