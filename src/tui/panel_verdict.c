/* panel_verdict.c — the regime flag and the verdict, big and coloured, with the numbers
 * behind them: α̂, β̂ with their sample count and spread, σ_r/σ_{r*} against 2α/β, the
 * Corollary 1 norm bound and λ_min(∇²g) (Kim–Kim–Ryu, MATH.md §4–§5) (curses). */
#include <ctype.h>
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "theme.h"
#include "ui.h"

/* One full-width reversed band with centred text. */
static void band_line(ls_rect r, int y, ls_role role, const char *text, int len)
{
	int w = r.w - 2;
	attrset(ls_theme_attr(role));
	mvhline(y, r.x + 1, ' ', w);
	attrset(A_NORMAL);
	int x = r.x + 1 + (w - len) / 2;
	ls_draw_text(y, x < r.x + 1 ? r.x + 1 : x, len < w ? len : w, role, text);
}

/* A reversed band (upper case when upper), impossible to miss; text wider than the panel
 * wraps once at a space when a line is left for it. Returns the lines used. */
static int band(ls_rect r, int y, ls_role role, const char *text, bool upper)
{
	int w = r.w - 2;
	char up[128];
	size_t i = 0;
	for (; text[i] && i + 1 < sizeof up; i++)
		up[i] = upper ? (char)toupper((unsigned char)text[i]) : text[i];
	up[i] = '\0';
	int len = ls_text_cols(up);
	if (len <= w || y + 1 >= r.y + r.h - 1) {
		band_line(r, y, role, up, len);
		return 1;
	}
	int cut = w;
	while (cut > 0 && up[cut] != ' ')
		cut--;
	if (cut == 0)
		cut = w;
	band_line(r, y, role, up, cut);
	const char *rest = up + cut + (up[cut] == ' ');
	band_line(r, y + 1, role, rest, (int)strlen(rest));
	return 2;
}

static const char *regime_text(const ls_ui *ui, ls_regime g)
{
	switch (g) {
	case LS_REGIME_SPECIAL:
		return LS_TXT(ui, "SPECIAL (2α > β)", "SPECIAL (2alpha > beta)");
	case LS_REGIME_GENERIC:
		return LS_TXT(ui, "GENERIC (2α ≤ β)", "GENERIC (2alpha <= beta)");
	case LS_REGIME_NA:
		return LS_TXT(ui, "Theorem 1 does not apply (α ≤ 0)",
			      "Theorem 1 does not apply (alpha <= 0)");
	default:
		return ls_regime_text[g];
	}
}

/* A replay: the row's ratio against its threshold (all a trace records of the theory). */
static void replay_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	ls_draw_box(ui, r, "ratio vs threshold (trace)");
	int y = r.y + 1, w = r.w - 2;
	char line[160], a[24], b[24];
	double ratio = v->m.ratio, thr = v->m.threshold;
	/* Corollary 1: at a stationary point a ratio above 2α/β is the spurious side. */
	if (isfinite(ratio) && isfinite(thr))
		y += band(r, y, ratio > thr ? LS_ROLE_WARN : LS_ROLE_GOOD,
			  ratio > thr ? "ratio > threshold: spurious side"
				      : "ratio <= threshold: global side",
			  true);
	else
		y += band(r, y, LS_ROLE_INFO, "no ratio or threshold here", true);
	ls_axis_format(ratio, 8, a, sizeof a);
	ls_axis_format(thr, 8, b, sizeof b);
	snprintf(line, sizeof line, " %s %s vs %s %s", LS_TXT(ui, "σr/σr*", "s_r/s_r*"), a,
		 LS_TXT(ui, "2α/β", "2alpha/beta"), b);
	if (y < r.y + r.h - 1)
		ls_draw_text(y++, r.x + 1, w, LS_ROLE_NORMAL, line);
	/* A history trace measures them on a cadence: from which step they come. */
	if (v->replay_factor_step >= 0 && v->replay_factor_step != v->m.step) {
		snprintf(line, sizeof line, " measured at step %ld", v->replay_factor_step);
		if (y < r.y + r.h - 1)
			ls_draw_text(y++, r.x + 1, w, LS_ROLE_LABEL, line);
	}
	snprintf(line, sizeof line, " rank %zu of r %zu, r* %zu", v->m.num_rank, v->m.r,
		 v->m.rstar);
	if (y < r.y + r.h - 1)
		ls_draw_text(y++, r.x + 1, w, LS_ROLE_LABEL, line);
}

void ls_panel_verdict_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	if (v->replay) {
		replay_draw(ui, r, v);
		return;
	}
	ls_draw_box(ui, r, "regime and verdict");
	int y = r.y + 1, w = r.w - 2, end = r.y + r.h - 1;
	char line[192], a[24], b[24], c[24], d[24];
	const ls_theory_report *rep = &v->rep;
	const ls_theory_module *md = &rep->mod[0];
	bool th = v->has_theory && rep->nmod > 0;
	char k1[LS_KEYS_HINT_LEN], k2[LS_KEYS_HINT_LEN];
	if (v->diverged) {
		y += band(r, y, LS_ROLE_BAD, "diverged", true);
		/* The way out, on two lines when the keys' names are too long for one. */
		ls_keys_hint(&ui->keys, LS_ACT_LR_DOWN, k1, sizeof k1);
		ls_keys_hint(&ui->keys, LS_ACT_RESET, k2, sizeof k2);
		snprintf(line, sizeof line, " paused; %s lowers eta, %s resets", k1, k2);
		if ((int)strlen(line) > w && y + 1 < end) {
			snprintf(line, sizeof line, " paused; %s lowers eta,", k1);
			ls_draw_text(y++, r.x + 1, w, LS_ROLE_NORMAL, line);
			snprintf(line, sizeof line, " %s resets", k2);
		}
		ls_draw_text(y++, r.x + 1, w, LS_ROLE_NORMAL, line);
	} else if (v->baseline_pending) {
		/* Deferred: the worker computes X* between batches; the verdict follows it. */
		snprintf(line, sizeof line, "X*: computing%s %.0f%%", LS_TXT(ui, "…", "..."),
			 100 * v->baseline_progress);
		y += band(r, y, LS_ROLE_INFO, line, true);
		y += band(r, y, LS_ROLE_INFO, "VERDICT WAITS FOR X*", false);
	} else if (!v->has_baseline) {
		y += band(r, y, LS_ROLE_INFO, "regime: no baseline", true);
		/* Upper case but the key's name. */
		snprintf(line, sizeof line, "VERDICT NEEDS X* (%s)",
			 ls_keys_hint(&ui->keys, LS_ACT_BASELINE, k1, sizeof k1));
		y += band(r, y, LS_ROLE_INFO, line, false);
	} else if (!th) {
		y += band(r, y, LS_ROLE_INFO,
			  LS_TXT(ui, "REGIME: ESTIMATING α, β", "REGIME: ESTIMATING ALPHA, BETA"),
			  false);
		y += band(r, y, LS_ROLE_INFO, "verdict: not computed yet", true);
	} else {
		ls_regime g = md->regime_used;
		if (rep->nmod > 1) {
			/* One flag per module; the band takes the colour of the worst. */
			size_t used = 0;
			line[0] = '\0';
			for (size_t k = 0; k < rep->nmod && used + 16 < sizeof line; k++) {
				const ls_theory_module *mk = &rep->mod[k];
				ls_regime gk = mk->regime_exact != LS_REGIME_UNKNOWN
						       ? mk->regime_exact
						       : mk->regime;
				if (gk == LS_REGIME_GENERIC || g == LS_REGIME_UNKNOWN)
					g = gk;
				used += (size_t)snprintf(line + used, sizeof line - used,
							 "%s%zu:%s", k ? " " : "", k + 1,
							 ls_regime_names[gk]);
			}
		} else {
			/* with its status: exact, certain or estimated (MATH.md §9) */
			snprintf(line, sizeof line, "%s %s", regime_text(ui, g),
				 ls_certainty_names[md->regime_status]);
		}
		y += band(r, y, ls_theme_regime_role(g), line, rep->nmod > 1);
		y += band(r, y, ls_theme_verdict_role(rep->verdict), ls_verdict_text[rep->verdict],
			  true);
	}
	if (y < end && th) {
		/* α̂, β̂; then, as room allows, the samples and how much the estimates still
		 * moved over the last half of them (MATH.md §4). */
		ls_axis_format(md->ab.alpha, 7, a, sizeof a);
		ls_axis_format(md->ab.beta, 7, b, sizeof b);
		ls_axis_format(fmax(md->ab.alpha_move, md->ab.beta_move), 6, c, sizeof c);
		char ab[96], bd[96] = "", t[6][256];
		snprintf(ab, sizeof ab, " %s %s  %s %s", LS_TXT(ui, "α̂", "alpha"), a,
			 LS_TXT(ui, "β̂", "beta"), b);
		/* The outer bounds λ(∇²f) ≤ α, β ≤ λ(∇²f) on quadratic problems (theory.h). */
		if (isfinite(md->hess_lmin)) {
			char lo[24], hi[24];
			ls_axis_format(md->hess_lmin, 6, lo, sizeof lo);
			ls_axis_format(md->hess_lmax, 6, hi, sizeof hi);
			snprintf(bd, sizeof bd, "  %s %s..%s", LS_TXT(ui, "λ(∇²f)", "l(H_f)"), lo,
				 hi);
		}
		/* "est.": sampled estimates, inner bounds of α, β (MATH.md §9). */
		snprintf(t[0], sizeof t[0], "%s est.%s  %zu/%zu samples, drift %s", ab, bd,
			 v->ab_samples, v->ab_target, c);
		snprintf(t[1], sizeof t[1], "%s est.%s  %zu/%zu samples", ab, bd, v->ab_samples,
			 v->ab_target);
		snprintf(t[2], sizeof t[2], "%s est.  %zu/%zu samples", ab, v->ab_samples,
			 v->ab_target);
		snprintf(t[3], sizeof t[3], "%s  %zu/%zu samples", ab, v->ab_samples, v->ab_target);
		snprintf(t[4], sizeof t[4], "%s est.", ab);
		snprintf(t[5], sizeof t[5], "%s", ab);
		const char *const tv[6] = { t[0], t[1], t[2], t[3], t[4], t[5] };
		int k = ls_text_pick(tv, 6, w);
		ls_draw_text(y++, r.x + 1, w, LS_ROLE_NORMAL, tv[k < 0 ? 5 : k]);
	}
	if (y < end) {
		ls_axis_format(v->m.ratio, 7, a, sizeof a);
		if (v->baseline_pending)
			snprintf(a, sizeof a, "?");
		double thr = th ? (isfinite(md->threshold_exact) ? md->threshold_exact
								 : md->threshold)
				: NAN;
		ls_axis_format(thr, 7, b, sizeof b);
		const char *ts = !th || md->threshold_status == LS_CERTAINTY_NONE ? ""
				 : md->threshold_status == LS_CERTAINTY_EXACT     ? " exact"
										  : " est.";
		char t[3][96];
		snprintf(t[0], sizeof t[0], " %s %s vs %s %s%s", LS_TXT(ui, "σr/σr*", "s_r/s_r*"),
			 a, LS_TXT(ui, "2α/β", "2alpha/beta"), th ? b : "?", ts);
		snprintf(t[1], sizeof t[1], " ratio %s vs %s %s%s", a,
			 LS_TXT(ui, "2α/β", "2alpha/beta"), th ? b : "?", ts);
		snprintf(t[2], sizeof t[2], " ratio %s vs %s", a, th ? b : "?");
		const char *const tv[3] = { t[0], t[1], t[2] };
		int k = ls_text_pick(tv, 3, w);
		ls_draw_text(y++, r.x + 1, w, LS_ROLE_NORMAL, tv[k < 0 ? 2 : k]);
	}
	if (y < end && th) {
		/* The longest of these that fits: shortened on purpose, never cut. */
		char t[3][160];
		ls_axis_format(rep->lz.lmin, 8, a, sizeof a);
		const char *lm = LS_TXT(ui, "λmin", "lmin");
		if (isfinite(md->bound)) {
			ls_axis_format(md->bound, 7, d, sizeof d);
			const char *ok = md->bound_holds ? "ok" : "VIOLATED";
			const char *nx = LS_TXT(ui, "‖X‖≥", "|X|>=");
			snprintf(t[0], sizeof t[0], " %s %s  Cor.1 %s%s %s", lm, a, nx, d, ok);
			snprintf(t[1], sizeof t[1], " %s %s  %s%s %s", lm, a, nx, d, ok);
			snprintf(t[2], sizeof t[2], " %s%s %s", nx, d, ok);
		} else {
			snprintf(t[0], sizeof t[0], " %s(%s) %s  step %ld", lm,
				 LS_TXT(ui, "∇²g", "H"), a, v->theory_step);
			snprintf(t[1], sizeof t[1], " %s(%s) %s", lm, LS_TXT(ui, "∇²g", "H"), a);
			snprintf(t[2], sizeof t[2], " %s %s", lm, a);
		}
		const char *tv[3] = { t[0], t[1], t[2] };
		int k = ls_text_pick(tv, 3, w);
		if (k >= 0)
			ls_draw_text(y++, r.x + 1, w, LS_ROLE_LABEL, tv[k]);
	} else if (y < end && v->has_baseline) {
		ls_axis_format(v->floor, 8, a, sizeof a);
		ls_axis_format(v->xstar_fro, 8, b, sizeof b);
		snprintf(line, sizeof line, " floor %s  %s %s", a, LS_TXT(ui, "‖X*‖F", "|X*|F"), b);
		ls_draw_text(y++, r.x + 1, w, LS_ROLE_LABEL, line);
	}
	/* The report's note, wrapped on the lines left (the last one it reaches ends in "…"
	 * when the rest does not fit). */
	for (const char *p = th ? rep->note : ""; *p && y < end; y++) {
		const char *next;
		size_t n = ls_text_wrap(p, w - 2, &next);
		char buf[256];
		bool more = *next && y + 1 == end;
		snprintf(buf, sizeof buf, " %.*s%s", (int)(n < 200 ? n : 200), p,
			 more ? LS_TXT(ui, "…", "~") : "");
		ls_draw_text(y, r.x + 1, w, LS_ROLE_LABEL, buf);
		p = next;
	}
}
