/* paper_util.h — what the Rushka–Klabjan and Mu–Klabjan demos share besides demo.h (--quick,
 * a config from name/value pairs): a session built from such pairs, a mean with its
 * standard error, and the closing verdict line. Demos print the paper's value beside what
 * lorascope measures and exit 0 when the finding is reproduced, 1 when it is not. */
#ifndef LORASCOPE_PAPER_UTIL_H
#define LORASCOPE_PAPER_UTIL_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lorascope/config.h"
#include "lorascope/session.h"

#include "demo.h"

/* A session from the defaults and the NULL-terminated name, value pairs of kv; NULL (with
 * the message printed) on a bad value or a failure. */
static inline ls_session *paper_session(const char *const *kv)
{
	ls_config c;
	if (!demo_config(&c, kv))
		return NULL;
	ls_error err;
	ls_error_clear(&err);
	ls_session *s;
	if (ls_session_create(&s, &c, NULL, &err) != LS_OK) {
		fprintf(stderr, "demo: %s\n", err.msg);
		return NULL;
	}
	return s;
}

static inline bool paper_step(ls_session *s, long n)
{
	ls_error err;
	ls_error_clear(&err);
	if (ls_session_step(s, n, &err) != LS_OK) {
		fprintf(stderr, "demo: %s\n", err.msg);
		return false;
	}
	return true;
}

/* Running mean and variance (Welford). */
typedef struct {
	long n;
	double mean, m2;
} paper_stat;

static inline void paper_stat_add(paper_stat *st, double x)
{
	st->n++;
	double d = x - st->mean;
	st->mean += d / (double)st->n;
	st->m2 += d * (x - st->mean);
}

/* Standard error of the mean (0 for fewer than two samples). */
static inline double paper_stat_se(const paper_stat *st)
{
	return st->n > 1 ? sqrt(st->m2 / (double)(st->n - 1) / (double)st->n) : 0.0;
}

static inline int paper_verdict(const char *name, bool ok)
{
	printf("\n%s: %s\n", name, ok ? "REPRODUCED" : "NOT REPRODUCED");
	return ok ? 0 : 1;
}

#endif
