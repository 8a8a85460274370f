/* run_prepare.c — X* and α̂, β̂ before `lorascope run`'s first row, with their progress on a
 * terminal (see run_prepare.h). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "run_prepare.h"

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Work per slice for about 20 ms: *n doubled or halved by the last slice's time dt. */
static void adapt(long *n, double dt)
{
	if (dt < 0.01 && *n < (1L << 20))
		*n *= 2;
	else if (dt > 0.04 && *n > 1)
		*n /= 2;
}

/* Whether the rows need α̂, β̂: the threshold column (ls_metrics.threshold) is 2α̂/β̂ unless
 * the problem knows α, β exactly. */
static bool rows_need_ab(const ls_session *s, bool lesson)
{
	return lesson || ls_session_metrics(s)->mod[0].regime_exact == LS_REGIME_UNKNOWN;
}

ls_status ls_run_theory(ls_session *s, bool lesson, ls_error *err)
{
	return rows_need_ab(s, lesson) ? ls_session_alphabeta(s, NULL, err)
				       : ls_session_alphabeta_begin(s, err);
}

ls_status ls_run_prepare(ls_session *s, bool lesson, ls_error *err)
{
	bool need_ab = rows_need_ab(s, lesson);
	double t0 = seconds();
	bool tty = isatty(STDERR_FILENO), shown = false;
	long n = 1;
	ls_status st = LS_OK;
	size_t done = 0, target = ls_session_ab_samples(s);
	for (;;) {
		double t = seconds();
		bool base = ls_session_baseline_pending(s) >= 0.0;
		if (base) {
			st = ls_session_baseline_slice(s, n, err);
		} else if (!need_ab) {
			st = ls_session_alphabeta_begin(s, err);
			break;
		} else if (!ls_session_baseline(s) ||
			   ls_session_metrics(s)->mod[0].ab_samples > 0) {
			break;
		} else {
			st = ls_session_alphabeta_slice(s, (size_t)n, &done, err);
		}
		if (st != LS_OK)
			break;
		double now = seconds();
		adapt(&n, now - t);
		if (base && ls_session_baseline_pending(s) < 0.0)
			n = 1; /* the samples cost another amount each */
		if (tty && now - t0 > 0.2) {
			fprintf(stderr,
				"\rlorascope run: full fine-tuning X* %3.0f%%, alpha^/beta^ "
				"%3.0f%%",
				base ? 100 * ls_session_baseline_pending(s) : 100.0,
				base ? 0.0 : 100.0 * (double)done / (double)target);
			shown = true;
		}
	}
	if (shown)
		fprintf(stderr, "\r%70s\r", "");
	return st;
}
