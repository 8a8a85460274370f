/* session_measure.c — the metrics of the session's current state: the cheap spectrum of
 * the factors, the distance to X*, the loss (evaluate), divergence. */
#include <math.h>
#include <stdlib.h>

#include "lorascope/optim.h"
#include "lorascope/spectrum.h"
#include "session_priv.h"

/* Size the spectrum workspaces and the metrics arrays for the current rank and baseline. */
ls_status ls_session_size_scratch(ls_session *s, ls_error *err)
{
	size_t r = s->lora.r, mmax = 0, nmax = 0;
	for (size_t k = 0; k < s->prob.nmod; k++) {
		if (s->prob.shape[k].m > mmax)
			mmax = s->prob.shape[k].m;
		if (s->prob.shape[k].n > nmax)
			nmax = s->prob.shape[k].n;
		size_t ns = r;
		if (s->prob.shape[k].m < ns)
			ns = s->prob.shape[k].m;
		if (s->prob.shape[k].n < ns)
			ns = s->prob.shape[k].n;
		ls_status st = ls_metrics_reserve(&s->cur, k, ns, err);
		if (st != LS_OK)
			return st;
	}
	if (!s->spec || s->spec_r != r) {
		ls_spectrum_ws *ws;
		ls_status st = ls_spectrum_ws_alloc(&ws, mmax, nmax, r, err);
		if (st != LS_OK)
			return st;
		ls_spectrum_ws_free(s->spec);
		s->spec = ws;
		s->spec_r = r;
	}
	size_t k = s->have_base ? r + s->base.rstar : 0;
	if (k != s->dspec_k) {
		ls_spectrum_ws_free(s->dspec);
		free(s->cat_a);
		free(s->cat_b);
		s->dspec = NULL;
		s->cat_a = s->cat_b = NULL;
		s->dspec_k = 0;
		if (k == 0)
			return LS_OK;
		ls_status st = ls_spectrum_ws_alloc(&s->dspec, mmax, nmax, k, err);
		if (st != LS_OK)
			return st;
		s->cat_a = malloc(mmax * k * sizeof(double));
		s->cat_b = malloc(nmax * k * sizeof(double));
		if (!s->cat_a || !s->cat_b)
			return ls_error_set(err, LS_ENOMEM, "session: distance workspace");
		s->dspec_k = k;
	}
	return LS_OK;
}

bool ls_session_factors_finite(const ls_lora *L)
{
	for (size_t k = 0; k < L->nmod; k++)
		if (!ls_mat_isfinite(&L->A[k]) || !ls_mat_isfinite(&L->B[k]))
			return false;
	return true;
}

void ls_session_mark_diverged(ls_session *s, ls_diverged_cause why)
{
	s->diverged = true;
	s->cur.diverged = true;
	s->last = ls_session_change_now(s, LS_CHANGE_DIVERGED);
	s->last.cause = why;
	ls_change_format(&s->last, s->cur.message, sizeof s->cur.message);
}

/* ‖X_k − X*_k‖_F from thin factors: X − X* = [s·A, U*Σ*]·[B, −V*]ᵀ, the norm of the core of
 * their QRs (MATH.md §8): O((m+n)(r+r*)²), no m×n product, no cancellation. */
static ls_status distance(ls_session *s, const ls_lora *L, size_t k, double *dist, ls_error *err)
{
	const ls_baseline_module *bm = &s->base.mod[k];
	size_t m = L->A[k].rows, n = L->B[k].rows, r = L->r, q = r + bm->rstar;
	ls_mat CA = ls_mat_view(s->cat_a, m, q, m), CB = ls_mat_view(s->cat_b, n, q, n);
	for (size_t j = 0; j < r; j++) {
		for (size_t i = 0; i < m; i++)
			LS_AT(CA, i, j) = L->s[k] * LS_AT(L->A[k], i, j);
		for (size_t i = 0; i < n; i++)
			LS_AT(CB, i, j) = LS_AT(L->B[k], i, j);
	}
	for (size_t j = 0; j < bm->rstar; j++) {
		for (size_t i = 0; i < m; i++)
			LS_AT(CA, i, r + j) = bm->sigma[j] * LS_AT(bm->U, i, j);
		for (size_t i = 0; i < n; i++)
			LS_AT(CB, i, r + j) = -LS_AT(bm->V, i, j);
	}
	return ls_spectrum_fro(s->dspec, &CA, &CB, 1.0, dist, err);
}

/* The factor-dependent metrics of L into s->cur (MATH.md §3, §8), and the theory part. */
static ls_status measure(ls_session *s, const ls_lora *L, ls_error *err)
{
	ls_metrics *mt = &s->cur;
	mt->nmod = L->nmod;
	mt->r = L->r;
	mt->rstar = s->have_base ? s->base.rstar : 0;
	mt->num_rank = 0;
	double fro2 = 0.0, nuc = 0.0, bal2 = 0.0, dist2 = 0.0;
	for (size_t k = 0; k < L->nmod; k++) {
		ls_module_metrics *mm = &mt->mod[k];
		mm->m = L->A[k].rows;
		mm->n = L->B[k].rows;
		mm->s = L->s[k];
		size_t ns = L->r < mm->m ? L->r : mm->m;
		mm->nsigma = ns < mm->n ? ns : mm->n;
		ls_status st = ls_spectrum_lowrank(s->spec, &L->A[k], &L->B[k], L->s[k], mm->sigma,
						   &mm->balance, &mm->norm_a, &mm->norm_b, err);
		if (st != LS_OK)
			return st;
		mm->num_rank = ls_spectrum_rank(mm->sigma, mm->nsigma);
		double ss = 0.0, sn = 0.0;
		for (size_t i = 0; i < mm->nsigma; i++) {
			ss += mm->sigma[i] * mm->sigma[i];
			sn += mm->sigma[i];
		}
		mm->norm_fro = sqrt(ss);
		mm->norm_nuc = sn;
		mm->sigma_r = L->r <= mm->nsigma ? mm->sigma[L->r - 1] : 0.0;
		mm->sigma_rstar = NAN;
		mm->ratio = NAN;
		mm->dist_star = NAN;
		if (s->have_base) {
			const ls_baseline_module *bm = &s->base.mod[k];
			if (bm->rstar >= 1 && bm->rstar <= mm->nsigma)
				mm->sigma_rstar = mm->sigma[bm->rstar - 1];
			/* σ_r at or below the rank tolerance counts as 0 (spectrum.h). */
			if (mm->sigma_rstar > 0.0)
				mm->ratio = L->r > mm->num_rank ? 0.0
								: mm->sigma_r / mm->sigma_rstar;
			st = distance(s, L, k, &mm->dist_star, err);
			if (st != LS_OK)
				return st;
			dist2 += mm->dist_star * mm->dist_star;
		}
		if (mm->num_rank > mt->num_rank)
			mt->num_rank = mm->num_rank;
		fro2 += ss;
		nuc += sn;
		bal2 += mm->balance * mm->balance;
	}
	mt->norm_fro = sqrt(fro2);
	mt->norm_nuc = nuc;
	mt->balance = sqrt(bal2);
	mt->dist_star = s->have_base ? sqrt(dist2) : NAN;
	mt->ratio = L->nmod ? mt->mod[0].ratio : NAN;
	ls_session_fill_theory(s);
	return LS_OK;
}

/* Fill the factor-dependent metrics of the current state; with reuse, keep those already
 * measured on the same factors and baseline (s->measured) and refresh only the theory part. */
ls_status ls_session_measure_factors(ls_session *s, bool reuse, ls_error *err)
{
	s->cur.step = s->step;
	if (reuse && s->measured) {
		ls_session_fill_theory(s);
		return LS_OK;
	}
	s->measured = false;
	ls_status st = measure(s, &s->lora, err);
	s->measured = st == LS_OK;
	return st;
}

/* s->prev := s->lora when its factors are finite (*finite says which; known_finite: they
 * are, untested): the state before a step whose factor metrics are not measured, kept for a
 * divergence's row. */
ls_status ls_session_keep_factors(ls_session *s, bool known_finite, bool *finite, ls_error *err)
{
	const ls_lora *L = &s->lora;
	*finite = known_finite || ls_session_factors_finite(L);
	if (!*finite)
		return LS_OK;
	bool fits = s->prev.nmod == L->nmod && s->prev.r == L->r;
	for (size_t k = 0; fits && k < L->nmod; k++)
		fits = s->prev.A[k].rows == L->A[k].rows && s->prev.B[k].rows == L->B[k].rows;
	if (!fits) {
		ls_lora_free(&s->prev);
		return ls_lora_copy(&s->prev, L, err);
	}
	for (size_t k = 0; k < L->nmod; k++) {
		ls_mat_copy(&s->prev.A[k], &L->A[k]);
		ls_mat_copy(&s->prev.B[k], &L->B[k]);
		s->prev.s[k] = L->s[k];
	}
	return LS_OK;
}

/* The factor metrics of s->prev into s->cur, its step left as it is (a divergence's row). */
ls_status ls_session_measure_kept(ls_session *s, ls_error *err)
{
	return measure(s, &s->prev, err);
}

/* Metrics of the current state without stepping (after create, changes and runs). */
ls_status ls_session_evaluate(ls_session *s, ls_error *err)
{
	if (s->diverged)
		return LS_OK;
	if (!ls_session_factors_finite(&s->lora)) {
		ls_session_mark_diverged(s, LS_DIVERGED_FACTORS);
		return LS_OK;
	}
	ls_status st = ls_session_measure_factors(s, false, err);
	if (st != LS_OK)
		return st;
	ls_metrics *mt = &s->cur;
	st = ls_optim_eval(s->opt, &s->prob, &s->lora, s->cfg.lambda, &mt->loss, &mt->reg_loss,
			   &mt->grad_norm, err);
	if (st != LS_OK)
		return st;
	/* eta and the Mu–Klabjan check keep the values of the last step taken. */
	if (!isfinite(mt->loss) || !isfinite(mt->reg_loss) || !isfinite(mt->grad_norm))
		ls_session_mark_diverged(s, LS_DIVERGED_LOSS);
	return LS_OK;
}
