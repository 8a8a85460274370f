/* testutil.h — tolerance helpers and cmocka includes shared by the unit tests. */
#ifndef LORASCOPE_TESTUTIL_H
#define LORASCOPE_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lorascope/mat.h"

/* |got - want| ≤ atol + rtol·|want|, with both numbers in the failure message. */
#define assert_close(got, want, rtol, atol)                                                     \
	do {                                                                                    \
		double g_ = (got), w_ = (want);                                                 \
		if (!(fabs(g_ - w_) <= (atol) + (rtol)*fabs(w_)))                               \
			fail_msg("%s = %.17g, expected %.17g (rtol %g, atol %g)", #got, g_, w_, \
				 (double)(rtol), (double)(atol));                               \
	} while (0)

#define assert_ok(expr)                                                      \
	do {                                                                 \
		ls_status st_ = (expr);                                      \
		if (st_ != LS_OK)                                            \
			fail_msg("%s returned %s", #expr, ls_strerror(st_)); \
	} while (0)

/* max |X_ij − Y_ij| over X's shape. */
static inline double ls_test_max_abs_diff(const ls_mat *X, const ls_mat *Y)
{
	double d = 0.0;
	for (size_t j = 0; j < X->cols; j++)
		for (size_t i = 0; i < X->rows; i++)
			d = fmax(d, fabs(LS_AT(*X, i, j) - LS_AT(*Y, i, j)));
	return d;
}

#endif
