/* panel_status.c — the status list of SPEC §3 (step and steps per second, the losses f(X),
 * g(A,B), the baseline's f(X*) and floor, η, λ, r, r*, s, init, optimiser, the speed cap,
 * norms, distance to X*, gradient norm, balancedness), the most needed first (curses). */
#include <curses.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lorascope/config.h"
#include "lorascope/lora.h"
#include "lorascope/optim_kinds.h"
#include "lorascope/problem.h"
#include "theme.h"
#include "ui.h"

#define LABEL_W 13 /* the label column, a space included */

static void row(ls_rect r, int *y, const char *label, const char *value)
{
	if (*y >= r.y + r.h - 1)
		return;
	int w = r.w - 2;
	ls_draw_text(*y, r.x + 1, w, LS_ROLE_LABEL, label);
	int lw = LABEL_W;
	ls_draw_text(*y, r.x + 1 + lw, w - lw, LS_ROLE_NORMAL, value);
	(*y)++;
}

static void num(ls_rect r, int *y, const char *label, double v)
{
	char buf[32];
	ls_axis_format(v, 10, buf, sizeof buf);
	row(r, y, label, buf);
}

/* The mark of a value shown ahead of the worker (ahead.h): set, not applied yet. */
static const char *pending(const ls_ui *ui, bool differs)
{
	return differs ? LS_TXT(ui, " …", " ...") : "";
}

/* The speed cap as text: "at most 60/s" or "unlimited". */
static void speed_text(double speed, char *buf, size_t len)
{
	if (speed > 0)
		snprintf(buf, len, "max %.0f/s", speed);
	else
		snprintf(buf, len, "unlimited");
}

void ls_panel_status_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	ls_draw_box(ui, r, "status");
	const ls_metrics *m = &v->m;
	/* c: the run's parameters; t: those shown, the keys' pending values included. */
	const ls_config *c = &v->cfg;
	const ls_ahead *ah = ls_ahead_shown(&ui->ahead, v);
	const ls_config *t = ah ? &ah->cfg : c;
	int y = r.y + 1;
	char buf[96], a[24], b[24], d[24];
	/* The step and, live, the measured rate. */
	if (v->replay || v->paused || v->diverged)
		snprintf(buf, sizeof buf, "%ld", m->step);
	else
		snprintf(buf, sizeof buf, "%ld  at %.0f/s", m->step, v->rate);
	row(r, &y, "step", buf);
	/* The losses a lesson quotes, and the baseline's (MATH.md §8). */
	num(r, &y, "f(X)", m->loss);
	num(r, &y, "g(A,B)", m->reg_loss);
	if (v->has_baseline && !v->replay) {
		ls_axis_format(v->f_star, 8, a, sizeof a);
		ls_axis_format(v->floor, 8, b, sizeof b);
		snprintf(buf, sizeof buf, "%s  %s", a, b);
		row(r, &y, "f(X*) floor", buf);
	} else if (v->baseline_pending && !v->replay) {
		snprintf(buf, sizeof buf, "computing%s %.0f%%", LS_TXT(ui, "…", "..."),
			 100 * v->baseline_progress);
		row(r, &y, "X*", buf);
	}
	ls_axis_format(t->lr, 9, a, sizeof a);
	if (isfinite(m->eta) && fabs(m->eta - c->lr) > 1e-12 * fabs(c->lr)) {
		ls_axis_format(m->eta, 9, b, sizeof b);
		snprintf(buf, sizeof buf, "%s%s (used %s)", a, pending(ui, t->lr != c->lr), b);
	} else {
		snprintf(buf, sizeof buf, "%s%s", a, pending(ui, t->lr != c->lr));
	}
	row(r, &y, LS_TXT(ui, "η", "eta"), buf);
	ls_axis_format(t->lambda, 10, a, sizeof a);
	snprintf(buf, sizeof buf, "%s%s", a, pending(ui, t->lambda != c->lambda));
	row(r, &y, LS_TXT(ui, "λ", "lambda"), buf);
	/* A trace records no module metrics: s from the scaling it records. */
	size_t rk = (size_t)(c->rank > 0 ? c->rank : 1);
	double s = m->nmod ? m->mod[0].s : ls_lora_scale(c->scaling, c->alpha, rk);
	ls_axis_format(s, 7, d, sizeof d);
	snprintf(a, sizeof a, "%ld%s", t->rank, pending(ui, t->rank != c->rank));
	if (v->has_baseline || (v->replay && m->rstar > 0))
		snprintf(buf, sizeof buf, "%s / %zu / %s", a, m->rstar, d);
	else
		snprintf(buf, sizeof buf, "%s / ? / %s", a, d);
	row(r, &y, "r / r* / s", buf);
	snprintf(buf, sizeof buf, "%s%s", ls_init_names[t->init], pending(ui, t->init != c->init));
	row(r, &y, "init", buf);
	/* AdamW's decoupled decay is not descent on f + λ‖X‖_* (MATH.md §2): flag it. */
	snprintf(buf, sizeof buf, "%s%s",
		 t->optimizer == LS_OPTIM_ADAMW ? "adamw (decoupled)"
						: ls_optim_names[t->optimizer],
		 pending(ui, t->optimizer != c->optimizer));
	row(r, &y, "optimiser", buf);
	if (!v->replay) {
		double speed = ah ? ah->speed : v->speed;
		speed_text(speed, buf, sizeof buf);
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s",
			 pending(ui, speed != v->speed));
		/* The keys that change the cap: in the label, or on a line of their own when
		 * their names are too long for it. */
		char up[LS_KEYS_HINT_LEN], down[LS_KEYS_HINT_LEN], label[48];
		ls_keys_hint(&ui->keys, LS_ACT_SPEED_UP, up, sizeof up);
		ls_keys_hint(&ui->keys, LS_ACT_SPEED_DOWN, down, sizeof down);
		snprintf(label, sizeof label, "speed (%s/%s)", up, down);
		if ((int)strlen(label) < LABEL_W) {
			row(r, &y, label, buf);
		} else {
			row(r, &y, "speed", buf);
			snprintf(label, sizeof label, "  %s/%s change it", up, down);
			row(r, &y, label, "");
		}
		ls_axis_format(m->nmod ? m->mod[0].norm_a : NAN, 8, a, sizeof a);
		ls_axis_format(m->nmod ? m->mod[0].norm_b : NAN, 8, b, sizeof b);
		snprintf(buf, sizeof buf, "%s  %s", a, b);
		row(r, &y, LS_TXT(ui, "‖A‖F ‖B‖F", "|A|F |B|F"), buf);
	}
	ls_axis_format(m->norm_fro, 8, a, sizeof a);
	ls_axis_format(m->norm_nuc, 8, b, sizeof b);
	snprintf(buf, sizeof buf, "%s  %s", a, b);
	row(r, &y, LS_TXT(ui, "‖X‖F ‖X‖*", "|X|F |X|*"), buf);
	if (v->baseline_pending && !v->replay)
		row(r, &y, LS_TXT(ui, "‖X−X*‖F", "|X-X*|F"), "waits for X*");
	else
		num(r, &y, LS_TXT(ui, "‖X−X*‖F", "|X-X*|F"), m->dist_star);
	num(r, &y, LS_TXT(ui, "‖∇g‖", "|grad g|"), m->grad_norm);
	num(r, &y, LS_TXT(ui, "‖AᵀA−BᵀB‖", "|AtA-BtB|"), m->balance);
	if (v->replay) {
		snprintf(buf, sizeof buf, "%zu of %zu", v->replay_row + 1, v->replay_rows);
		row(r, &y, "trace row", buf);
	}
}

void ls_panel_header_draw(ls_ui *ui, ls_rect r, const ls_view *v)
{
	attrset(ls_theme_attr(LS_ROLE_HEADER));
	mvhline(r.y, r.x, ' ', r.w);
	attrset(A_NORMAL);
	const ls_config *c = &v->cfg;
	/* Paused and the cap as the keys pending will leave them (ahead.h). */
	const ls_ahead *ah = ls_ahead_shown(&ui->ahead, v);
	bool paused = ah ? ah->paused : v->paused;
	/* The right part first (state, speed cap, keys): the left part gives way to it. */
	const char *state = v->replay     ? " REPLAY "
			    : v->diverged ? " DIVERGED "
			    : paused      ? " PAUSED "
					  : " RUNNING ";
	ls_role role = v->diverged ? LS_ROLE_BAD : paused ? LS_ROLE_WARN : LS_ROLE_GOOD;
	if (v->replay)
		role = LS_ROLE_INFO;
	char sp[48] = "", keys[120], buf[200];
	if (!v->replay) {
		sp[0] = ' ';
		speed_text(ah ? ah->speed : v->speed, sp + 1, sizeof sp - 1);
	}
	char help[32], setup[32], quit[32];
	ls_keymap_keys_text(&ui->keys, LS_ACT_HELP, help, sizeof help);
	ls_keymap_keys_text(&ui->keys, LS_ACT_SETUP, setup, sizeof setup);
	ls_keymap_keys_text(&ui->keys, LS_ACT_QUIT, quit, sizeof quit);
	if (v->replay) {
		char back[LS_KEYS_HINT_LEN], next[LS_KEYS_HINT_LEN], first[LS_KEYS_HINT_LEN],
			last[LS_KEYS_HINT_LEN];
		snprintf(keys, sizeof keys, "  %s/%s %s/%s move  %s help  %s quit",
			 ls_keys_hint(&ui->keys, LS_ACT_ROW_BACK, back, sizeof back),
			 ls_keys_hint(&ui->keys, LS_ACT_ROW_NEXT, next, sizeof next),
			 ls_keys_hint(&ui->keys, LS_ACT_FIRST, first, sizeof first),
			 ls_keys_hint(&ui->keys, LS_ACT_LAST, last, sizeof last), help, quit);
	} else
		snprintf(keys, sizeof keys, "  %s help  %s setup  %s quit", help, setup, quit);
	int tail = (int)(strlen(state) + strlen(sp) + strlen(keys));

	/* The problem's own shape (presets such as loud5 fix it), and the module count. */
	size_t m = v->m.nmod ? v->m.mod[0].m : (size_t)c->m;
	size_t n = v->m.nmod ? v->m.mod[0].n : (size_t)c->n;
	char mods[40] = "";
	if (v->m.nmod > 1)
		snprintf(mods, sizeof mods, " x%zu modules", v->m.nmod);
	char seed[40];
	snprintf(seed, sizeof seed, "  seed %llu", (unsigned long long)c->seed);
	if (v->replay) {
		/* A trace records the parameters: a preset's own shape is not among them. */
		ls_shape sh = ls_problem_type_shape(c);
		snprintf(buf, sizeof buf, " lorascope replay %s  %s %zux%zu%s ",
			 ui->replay_title ? ui->replay_title : "", ls_problem_names[c->problem],
			 sh.m, sh.n, seed);
	} else {
		/* --true-rank only where it plants the answer: not trace2 or the presets, nor data
		 * read from a file (--target, --outputs). */
		char tr[40] = "";
		bool planted = ls_problem_types[c->problem]->plants_true_rank && !c->target[0] &&
			       !c->outputs[0];
		if (planted)
			snprintf(tr, sizeof tr, "  true rank %ld", c->true_rank);
		/* On a narrow screen the seed, then the true rank, give way to the keys. */
		for (int drop = 0; drop < 3; drop++) {
			snprintf(buf, sizeof buf, " lorascope  %s %zux%zu%s%s%s ",
				 ls_problem_names[c->problem], m, n, mods, drop < 2 ? tr : "",
				 drop < 1 ? seed : "");
			if ((int)strlen(buf) + tail <= r.w)
				break;
		}
	}
	ls_draw_text(r.y, r.x, r.w, LS_ROLE_HEADER, buf);
	int x = r.x + (int)strlen(buf);
	ls_draw_text(r.y, x, r.x + r.w - x, role, state);
	x += (int)strlen(state);
	if (sp[0]) {
		ls_draw_text(r.y, x, r.x + r.w - x, LS_ROLE_HEADER, sp);
		x += (int)strlen(sp);
	}
	ls_draw_text(r.y, x, r.x + r.w - x, LS_ROLE_HEADER, keys);
}
