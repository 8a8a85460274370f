/* session_baseline.c — the session's full fine-tuning baseline X* per --baseline: at once,
 * or (a deferred session: the TUI) begun now and advanced in slices between steps, installed
 * when done. */
#include <limits.h>
#include <stdlib.h>

#include "session_priv.h"

/* Forget the baseline computation in progress. */
void ls_session_baseline_drop(ls_session *s)
{
	ls_baseline_ws_free(s->bws);
	s->bws = NULL;
}

/* The baseline just finished in s->bws becomes the session's: a new serial, the scratch
 * sized for its r*, the metrics measured against it. */
static ls_status install(ls_session *s, ls_error *err)
{
	ls_status st = ls_baseline_finish(s->bws, &s->base, err);
	ls_session_baseline_drop(s);
	if (st != LS_OK)
		return st;
	s->have_base = true;
	s->base.serial = ++s->base_serial;
	return ls_session_size_scratch(s, err);
}

/* The baseline per --baseline, with λ/s of the current factors (force: whatever it says);
 * a deferred session only begins it. */
ls_status ls_session_compute_baseline(ls_session *s, bool force, ls_error *err)
{
	if (s->have_base)
		ls_baseline_free(&s->base);
	s->have_base = false;
	ls_session_baseline_drop(s);
	if (s->cfg.baseline == LS_BASELINE_OFF && !force)
		return LS_OK;
	long iters = s->cfg.baseline_iters;
	if (s->cfg.baseline == LS_BASELINE_AUTO && !force) {
		double work = 0.0;
		for (size_t k = 0; k < s->prob.nmod; k++) {
			double m = (double)s->prob.shape[k].m, n = (double)s->prob.shape[k].n;
			work += m * n * (m < n ? m : n);
		}
		if (work > LS_BASELINE_AUTO_WORK)
			return LS_OK;
		double cap = LS_BASELINE_AUTO_BUDGET / (work > 1.0 ? work : 1.0);
		if ((double)iters > cap)
			iters = (long)cap;
	}
	double lam = s->cfg.lambda / s->lora.s[0];
	ls_status st = ls_baseline_begin(&s->bws, &s->prob, lam, iters, s->cfg.baseline_tol, err);
	if (st != LS_OK || s->deferred)
		return st;
	st = ls_baseline_iterate(s->bws, iters, NULL, err);
	if (st != LS_OK) {
		ls_session_baseline_drop(s);
		return st;
	}
	return install(s, err);
}

ls_status ls_session_run_baseline(ls_session *s, ls_error *err)
{
	s->measured = false;
	ls_status st = ls_session_compute_baseline(s, true, err);
	if (st != LS_OK)
		return st;
	return ls_session_evaluate(s, err);
}

void ls_session_defer_baseline(ls_session *s, bool deferred)
{
	s->deferred = deferred;
}

double ls_session_baseline_pending(const ls_session *s)
{
	return s->bws ? ls_baseline_progress(s->bws) : -1.0;
}

ls_status ls_session_baseline_slice(ls_session *s, long n, ls_error *err)
{
	if (!s->bws)
		return LS_OK;
	bool done;
	ls_status st = ls_baseline_iterate(s->bws, n, &done, err);
	if (st != LS_OK) {
		ls_session_baseline_drop(s);
		return st;
	}
	if (!done)
		return LS_OK;
	st = install(s, err);
	if (st != LS_OK)
		return st;
	s->measured = false;
	return ls_session_evaluate(s, err);
}

ls_status ls_session_baseline_wait(ls_session *s, ls_error *err)
{
	return ls_session_baseline_slice(s, LONG_MAX, err);
}
