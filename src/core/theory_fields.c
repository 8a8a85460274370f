/* theory_fields.c — the theory report as a flat list of named entries, so a run summary
 * (table, CSV, JSONL) prints every instrument from one loop. */
#include <math.h>
#include <stdio.h>

#include "lorascope/theory.h"

_Static_assert(LS_MAX_MODULES <= 10, "module suffixes are one digit");

typedef struct {
	ls_theory_field *f;
	size_t cap, n;
	const char *suffix;
} field_list;

static void add_num(field_list *l, const char *name, double v)
{
	if (l->n < l->cap) {
		ls_theory_field *e = &l->f[l->n];
		snprintf(e->name, sizeof e->name, "%s%s", name, l->suffix);
		e->is_text = false;
		e->value = v;
		e->text = NULL;
	}
	l->n++;
}

static void add_text(field_list *l, const char *name, const char *text)
{
	if (l->n < l->cap) {
		ls_theory_field *e = &l->f[l->n];
		snprintf(e->name, sizeof e->name, "%s%s", name, l->suffix);
		e->is_text = true;
		e->value = NAN;
		e->text = text;
	}
	l->n++;
}

static const char *yes_no(bool b)
{
	return b ? "true" : "false";
}

size_t ls_theory_fields(const ls_theory_report *rep, ls_theory_field *f, size_t cap)
{
	field_list l = { .f = f, .cap = cap, .n = 0, .suffix = "" };
	add_text(&l, "verdict", ls_verdict_names[rep->verdict]);
	add_num(&l, "lambda_min", rep->lz.lmin);
	add_num(&l, "lanczos_residual", rep->lz.residual);
	add_num(&l, "lanczos_iters", (double)rep->lz.iterations);
	add_num(&l, "grad_rel", rep->grad_rel);
	add_text(&l, "stationary", yes_no(rep->stationary));
	add_text(&l, "second_order", yes_no(rep->second_order));
	add_num(&l, "gap", rep->convex ? rep->gap : NAN);
	add_text(&l, "contradiction", yes_no(rep->contradiction));
	add_num(&l, "seed_lhs", rep->seed_lhs);
	add_num(&l, "seed_rhs", rep->seed_rhs);
	add_text(&l, "seed_check", rep->seed_holds ? "holds" : "FAILS");
	add_text(&l, "note", rep->note);
	char suffix[3] = "_0"; /* LS_MAX_MODULES ≤ 10: one digit */
	for (size_t k = 0; k < rep->nmod && k < LS_MAX_MODULES; k++) {
		const ls_theory_module *m = &rep->mod[k];
		suffix[1] = (char)('0' + k);
		l.suffix = rep->nmod > 1 ? suffix : "";
		add_num(&l, "alpha", m->ab.alpha);
		add_num(&l, "alpha_exact", m->ab.alpha_exact);
		add_num(&l, "beta", m->ab.beta);
		add_num(&l, "beta_exact", m->ab.beta_exact);
		add_num(&l, "hessf_lmin", m->hess_lmin);
		add_num(&l, "hessf_lmax", m->hess_lmax);
		add_num(&l, "ab_samples", (double)m->ab.samples);
		add_num(&l, "alpha_moved", m->ab.alpha_move);
		add_num(&l, "beta_moved", m->ab.beta_move);
		add_num(&l, "D", m->ab.D);
		/* A sampled α̂ is an inner bound (α̂ ≥ α): where α ≤ 0 is known exactly, Theorem 1
		 * does not apply whatever the samples say (MATH.md §9), so no regime is printed. */
		add_text(&l, "regime",
			 ls_regime_names[m->regime_exact == LS_REGIME_NA ? LS_REGIME_NA
									 : m->regime]);
		add_text(&l, "regime_exact", ls_regime_names[m->regime_exact]);
		add_text(&l, "regime_used", ls_regime_names[m->regime_used]);
		add_text(&l, "regime_status", ls_certainty_names[m->regime_status]);
		add_num(&l, "threshold", m->threshold);
		add_num(&l, "threshold_exact", m->threshold_exact);
		add_text(&l, "threshold_status", ls_certainty_names[m->threshold_status]);
		add_num(&l, "rstar", (double)m->rstar);
		add_num(&l, "ratio", m->ratio);
		add_num(&l, "sigma_r", m->sigma_r);
		add_num(&l, "sigma_rstar", m->sigma_rstar);
		add_num(&l, "norm_x", m->norm_x);
		add_num(&l, "norm_xstar", m->norm_xstar);
		add_num(&l, "cor1_bound", m->bound);
		add_text(&l, "module_verdict", ls_verdict_names[m->verdict]);
	}
	return l.n < cap ? l.n : cap;
}
