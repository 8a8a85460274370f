/* paper_util.h — what the Rushka–Klabjan and Mu–Klabjan demos share: --quick, a session
 * built from name/value pairs through the library's parameter table, a mean with its
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

/* --quick selects the short mode (make check); --help prints what the demo shows.
 * Returns 0 to go on, -1 after --help, 2 on a bad argument. */
static inline int paper_args(int argc, char **argv, const char *what, bool *quick)
{
	*quick = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			*quick = true;
		} else if (strcmp(argv[i], "--help") == 0) {
			printf("usage: %s [--quick]\n%s\n", argv[0], what);
			return -1;
		} else {
			fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", argv[0],
			        argv[i]);
			return 2;
		}
	}
	return 0;
}

/* A session from the defaults and the NULL-terminated name, value pairs of kv; NULL (with
 * the message printed) on a bad value or a failure. */
static inline ls_session *paper_session(const char *const *kv)
{
	ls_config c;
	ls_error err;
	ls_error_clear(&err);
	ls_config_defaults(&c);
	for (size_t i = 0; kv[i] && kv[i + 1]; i += 2)
		if (ls_config_set(&c, kv[i], kv[i + 1], &err) != LS_OK) {
			fprintf(stderr, "demo: %s\n", err.msg);
			return NULL;
		}
	ls_session *s;
	if (ls_session_create(&s, &c, &err) != LS_OK) {
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
