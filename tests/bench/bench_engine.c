/* bench_engine.c — `make bench`: the training steps beside a naive reference step and beside
 * the machine's limit, all measured in this one run (compare them as ratios; timing belongs
 * here, never in make check).
 *
 * - The naive step is the NumPy-equivalent in C with CBLAS at the same thread count: form
 *   X = s·A·Bᵀ (and whatever the loss needs from it), the residual, f, ∇f, GA = s·∇f·B,
 *   GB = s·∇fᵀ·A, and the update.
 * - The limit of an approx step is max(one read pass over M, 4mnr flops at the DGEMM peak),
 *   both measured here at the same thread count; sensing's, regression's and classify's
 *   the same over the data each step reads and its products' flops (other_row).
 * - "optim" is ls_optim_step (f, gradients, update: the training step); "session" is
 *   ls_session_step as the TUI runs it (a history: the step series every step, the factor
 *   metrics on the plots' cadence), over its first max(k, TUI_FIRST) steps from a fresh
 *   start, the reset untimed.
 * - The NumPy reference: numpy_step.py (the same naive step in NumPy) run by /usr/bin/python3
 *   at each size and thread count, and lorascope's ratio to it ("xnumpy").
 * - Peak RSS of a `lorascope run` at 2048², r 16 (ru_maxrss of the child), beside the size of
 *   M and (m + n)·r doubles, less the RSS of the same run at 64².
 * Usage: bench_engine [LORASCOPE [NUMPY_STEP_PY]] (the binary for the RSS figure, the script
 * for the NumPy column; each part skipped without them). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "lorascope/optim.h"
#include "lorascope/session.h"
#include "lorascope/spectrum.h"

/* Seconds per timed figure, in windows whose best is reported. */
#define BENCH_T 0.3
#define BENCH_WINDOWS 3
/* Steps per timed call: about BENCH_T/BENCH_WINDOWS seconds, within these bounds. */
#define STEPS_MIN 8
#define STEPS_MAX 4096
/* The session's steps are timed over at least its first TUI_FIRST from a fresh start (some
 * seconds of the TUI at 2048²): its factor metrics come on the plots' cadence, every step
 * only at first (metrics.h). */
#define TUI_FIRST 1024
/* Side of the square DGEMM that measures the peak. */
#define PEAK_N 1024
/* Step size of the naive steps: small enough that their factors stay finite. */
#define NAIVE_LR 1e-6

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static void die(const char *what, const ls_error *err)
{
	fprintf(stderr, "bench: %s: %s\n", what, err ? err->msg : "failed");
	exit(1);
}

static void *xmalloc(size_t doubles)
{
	double *p = malloc((doubles ? doubles : 1) * sizeof(double));
	if (!p)
		die("out of memory", NULL);
	return p;
}

/* A vector of len N(0, scale²) draws. */
static double *randn(ls_rng *rng, size_t len, double scale)
{
	double *p = xmalloc(len);
	for (size_t i = 0; i < len; i++)
		p[i] = scale * ls_rng_normal(rng);
	return p;
}

static void set(ls_config *c, const char *name, long v)
{
	char buf[32];
	ls_error err;
	ls_error_clear(&err);
	snprintf(buf, sizeof buf, "%ld", v);
	if (ls_config_set(c, name, buf, &err) != LS_OK)
		die(name, &err);
}

static ls_session *make(const char *problem, long m, long n, long r)
{
	ls_config c;
	ls_config_defaults(&c);
	ls_error err;
	ls_error_clear(&err);
	if (ls_config_set(&c, "problem", problem, &err) != LS_OK ||
	    ls_config_set(&c, "optimizer", "gd", &err) != LS_OK ||
	    ls_config_set(&c, "lr", "0.01", &err) != LS_OK ||
	    ls_config_set(&c, "baseline", "off", &err) != LS_OK)
		die("config", &err);
	set(&c, "m", m);
	set(&c, "n", n);
	set(&c, "rank", r);
	ls_session *s;
	if (ls_session_create(&s, &c, NULL, &err) != LS_OK)
		die("session", &err);
	return s;
}

/* Seconds per call of f(arg): the best of BENCH_WINDOWS windows of about
 * BENCH_T/BENCH_WINDOWS seconds (and at least 2 calls) each, after one untimed call. */
/* Seconds per call of f(arg), best of BENCH_WINDOWS windows after one warm-up call, less
 * the seconds the calls add to *untimed (may be NULL), which is zeroed each window. */
static double time_fn_less(void (*f)(void *), void *arg, double *untimed)
{
	double best = INFINITY;
	f(arg);
	for (int w = 0; w < BENCH_WINDOWS; w++) {
		if (untimed)
			*untimed = 0.0;
		double t0 = now(), t;
		long reps = 0;
		while ((t = now() - t0) < BENCH_T / BENCH_WINDOWS || reps < 2) {
			f(arg);
			reps++;
		}
		t = (t - (untimed ? *untimed : 0.0)) / (double)reps;
		best = t < best ? t : best;
	}
	return best;
}

static double time_fn(void (*f)(void *), void *arg)
{
	return time_fn_less(f, arg, NULL);
}

/* Steps per timed call for a step of about est seconds. */
static long steps_for(double est)
{
	long k = (long)(BENCH_T / BENCH_WINDOWS / (est > 1e-7 ? est : 1e-7));
	return k < STEPS_MIN ? STEPS_MIN : k > STEPS_MAX ? STEPS_MAX : k;
}

/* ---- the limit: DGEMM peak and one read pass, at a thread count ---- */

typedef struct {
	double *a, *b, *c;
} peak_ctx;

static void peak_call(void *arg)
{
	peak_ctx *p = arg;
	cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, PEAK_N, PEAK_N, PEAK_N, 1.0, p->a,
		    PEAK_N, p->b, PEAK_N, 0.0, p->c, PEAK_N);
}

/* FLOP/s of a PEAK_N³ DGEMM with OpenBLAS at the given thread count. */
static double dgemm_peak(int threads, ls_rng *rng)
{
	openblas_set_num_threads(threads);
	size_t len = (size_t)PEAK_N * PEAK_N;
	peak_ctx p = { randn(rng, len, 1.0), randn(rng, len, 1.0), xmalloc(len) };
	double t = time_fn(peak_call, &p);
	free(p.a);
	free(p.b);
	free(p.c);
	return 2.0 * PEAK_N * PEAK_N * PEAK_N / t;
}

typedef struct {
	const double *x;
	size_t len;
	double sum;
} read_part;

static void *read_worker(void *arg)
{
	read_part *r = arg;
	r->sum = cblas_dasum((int)r->len, r->x, 1);
	return NULL;
}

typedef struct {
	const ls_mat *M;
	int threads;
	double sink;
} read_ctx;

/* One read of M (contiguous), cut in equal parts over `threads` threads (single-threaded
 * BLAS each). */
static void read_pass(void *arg)
{
	read_ctx *c = arg;
	size_t len = c->M->rows * c->M->cols, t = c->threads > 1 ? (size_t)c->threads : 1;
	read_part parts[8] = { { NULL, 0, 0.0 } };
	pthread_t th[8];
	t = t < 8 ? t : 8;
	for (size_t k = 0; k < t; k++)
		parts[k] = (read_part){ .x = c->M->data + k * len / t,
					.len = (k + 1) * len / t - k * len / t };
	for (size_t k = 1; k < t; k++)
		pthread_create(&th[k], NULL, read_worker, &parts[k]);
	read_worker(&parts[0]);
	for (size_t k = 1; k < t; k++)
		pthread_join(th[k], NULL);
	for (size_t k = 0; k < t; k++)
		c->sink += parts[k].sum;
}

/* Bytes per second of one read pass over a 2048×2048 matrix (32 MiB, beyond the caches) at
 * a thread count. */
static double read_bandwidth(int threads, ls_rng *rng, double *sink)
{
	openblas_set_num_threads(1);
	ls_mat M = ls_mat_view(randn(rng, 2048 * 2048, 1.0), 2048, 2048, 2048);
	read_ctx c = { &M, threads, 0.0 };
	double t = time_fn(read_pass, &c);
	*sink += c.sink;
	free(M.data);
	return 2048.0 * 2048 * sizeof(double) / t;
}

/* ---- naive steps (the NumPy-equivalent) ---- */

typedef enum { NAIVE_APPROX, NAIVE_SENSING, NAIVE_REGRESSION, NAIVE_CLASSIFY } naive_kind;

typedef struct {
	naive_kind kind;
	int m, n, r, N;
	double s;
	double *A, *B, *GA, *GB;
	double *X, *G;  /* m×n: X = s·A·Bᵀ (then W0 + X), ∇f */
	double *M;      /* approx: the target (m×n) */
	double *S, *y;  /* sensing: mn×N measurements, N values */
	double *res;    /* sensing: N residuals */
	double *W0, *Z; /* regression, classify: m×n, n×N */
	double *Y, *R;  /* regression: m×N outputs; both: m×N residual */
	size_t *labels; /* classify */
	double sink;
} naive_ctx;

/* GA = s·G·B, GB = s·Gᵀ·A from the m×n gradient G, then the update. */
static void naive_factor_step(naive_ctx *c)
{
	int m = c->m, n = c->n, r = c->r;
	cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, r, n, c->s, c->G, m, c->B, n, 0.0,
		    c->GA, m);
	cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, r, m, c->s, c->G, m, c->A, m, 0.0,
		    c->GB, n);
	cblas_daxpy(m * r, -NAIVE_LR, c->GA, 1, c->A, 1);
	cblas_daxpy(n * r, -NAIVE_LR, c->GB, 1, c->B, 1);
}

static void naive_step(void *arg)
{
	naive_ctx *c = arg;
	int m = c->m, n = c->n, r = c->r, N = c->N;
	size_t mn = (size_t)m * (size_t)n;
	double f = 0.0;
	/* X = s·A·Bᵀ (regression and classify: W = W0 + X). */
	bool affine = c->kind == NAIVE_REGRESSION || c->kind == NAIVE_CLASSIFY;
	if (affine)
		memcpy(c->X, c->W0, mn * sizeof(double));
	cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m, n, r, c->s, c->A, m, c->B, n,
		    affine ? 1.0 : 0.0, c->X, m);
	switch (c->kind) {
	case NAIVE_APPROX: /* G = R = X − M */
		for (size_t i = 0; i < mn; i++)
			c->G[i] = c->X[i] - c->M[i];
		f = 0.5 * cblas_ddot((int)mn, c->G, 1, c->G, 1);
		break;
	case NAIVE_SENSING: /* res = Sᵀx − y, G = S·res/N */
		cblas_dgemv(CblasColMajor, CblasTrans, (int)mn, N, 1.0, c->S, (int)mn, c->X, 1, 0.0,
			    c->res, 1);
		cblas_daxpy(N, -1.0, c->y, 1, c->res, 1);
		f = 0.5 * cblas_ddot(N, c->res, 1, c->res, 1) / N;
		cblas_dgemv(CblasColMajor, CblasNoTrans, (int)mn, N, 1.0 / N, c->S, (int)mn, c->res,
			    1, 0.0, c->G, 1);
		break;
	case NAIVE_REGRESSION: /* R = W·Z − Y, G = R·Zᵀ/N */
		memcpy(c->R, c->Y, (size_t)m * (size_t)N * sizeof(double));
		cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, N, n, 1.0, c->X, m, c->Z,
			    n, -1.0, c->R, m);
		f = 0.5 * cblas_ddot(m * N, c->R, 1, c->R, 1) / N;
		cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m, n, N, 1.0 / N, c->R, m,
			    c->Z, n, 0.0, c->G, m);
		break;
	case NAIVE_CLASSIFY: /* logits W·Z, softmax, R = P − onehot, G = R·Zᵀ/N */
		cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, N, n, 1.0, c->X, m, c->Z,
			    n, 0.0, c->R, m);
		for (int j = 0; j < N; j++) {
			double *u = c->R + (size_t)j * (size_t)m, mx = u[0], sum = 0.0;
			double uy = u[c->labels[j]];
			for (int k = 1; k < m; k++)
				mx = fmax(mx, u[k]);
			for (int k = 0; k < m; k++)
				sum += (u[k] = exp(u[k] - mx));
			f += mx + log(sum) - uy;
			for (int k = 0; k < m; k++)
				u[k] /= sum;
			u[c->labels[j]] -= 1.0;
		}
		f /= N;
		cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m, n, N, 1.0 / N, c->R, m,
			    c->Z, n, 0.0, c->G, m);
		break;
	}
	naive_factor_step(c);
	c->sink += f;
}

/* A naive step of kind at these sizes on random data (M: the session's target when given). */
static naive_ctx naive_alloc(naive_kind kind, int m, int n, int r, int N, const ls_mat *M,
			     ls_rng *rng)
{
	size_t mn = (size_t)m * (size_t)n, mN = (size_t)m * (size_t)N;
	naive_ctx c = { .kind = kind, .m = m, .n = n, .r = r, .N = N, .s = 1.0 };
	c.A = randn(rng, (size_t)m * r, 1.0 / sqrt(m));
	c.B = randn(rng, (size_t)n * r, 1.0 / sqrt(n));
	c.GA = xmalloc((size_t)m * r);
	c.GB = xmalloc((size_t)n * r);
	c.X = xmalloc(mn);
	c.G = xmalloc(mn);
	if (kind == NAIVE_APPROX) {
		c.M = xmalloc(mn);
		for (size_t j = 0; j < (size_t)n; j++)
			memcpy(c.M + j * m, M->data + j * M->ld, (size_t)m * sizeof(double));
	} else if (kind == NAIVE_SENSING) {
		c.S = randn(rng, mn * N, 1.0);
		c.y = randn(rng, (size_t)N, 1.0);
		c.res = xmalloc((size_t)N);
	} else {
		c.W0 = randn(rng, mn, 1.0 / sqrt(n));
		c.Z = randn(rng, (size_t)n * N, 1.0);
		c.R = xmalloc(mN);
		c.Y = randn(rng, mN, 1.0);
		c.labels = malloc((size_t)N * sizeof *c.labels);
		if (!c.labels)
			die("out of memory", NULL);
		for (int i = 0; i < N; i++)
			c.labels[i] = (size_t)ls_rng_below(rng, (uint64_t)m);
	}
	return c;
}

static void naive_free(naive_ctx *c)
{
	double *all[] = { c->A, c->B, c->GA,  c->GB, c->X, c->G, c->M,
			  c->S, c->y, c->res, c->W0, c->Z, c->Y, c->R };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		free(all[i]);
	free(c->labels);
}

/* ---- the NumPy reference (numpy_step.py) and the figures compared with it ---- */

#define MAX_ROWS 32

/* A step measured here: what (as numpy_step.py's spec), threads, optimiser and session
 * seconds; numpy: NumPy's seconds (0: none). */
typedef struct {
	char spec[64];
	int threads;
	double optim, session, numpy;
} bench_row;

static bench_row rows[MAX_ROWS];
static size_t nrows;
static char numpy_note[320]; /* why there is no NumPy column, when there is none */

static void record(const char *kind, long m, long n, long r, int N, int threads, double to,
		   double ts)
{
	if (nrows == MAX_ROWS)
		return;
	bench_row *b = &rows[nrows++];
	snprintf(b->spec, sizeof b->spec, "%s:%ld:%ld:%ld:%d", kind, m, n, r, N);
	b->threads = threads;
	b->optim = to;
	b->session = ts;
	b->numpy = 0.0;
}

/* NumPy's seconds per step for every recorded row of a thread count: one run of the script
 * with OPENBLAS_NUM_THREADS set (NumPy's BLAS here is OpenBLAS). */
static void numpy_fill(const char *script, int threads)
{
	char cmd[4096];
	int len = snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=%d /usr/bin/python3 '%s'",
			   threads, script);
	for (size_t i = 0; i < nrows && len < (int)sizeof cmd; i++)
		if (rows[i].threads == threads)
			len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %s", rows[i].spec);
	if (len >= (int)sizeof cmd - 16 || strchr(script, '\'') != NULL) {
		snprintf(numpy_note, sizeof numpy_note, "NumPy reference: bad script path");
		return;
	}
	snprintf(cmd + len, sizeof cmd - (size_t)len, " 2>&1");
	fflush(stdout);
	FILE *f = popen(cmd, "r");
	if (!f) {
		snprintf(numpy_note, sizeof numpy_note,
			 "NumPy reference: cannot run /usr/bin/python3");
		return;
	}
	char line[256];
	while (fgets(line, sizeof line, f)) {
		char kind[32];
		long m, n, r, N;
		double sec;
		if (sscanf(line, "%31s %ld %ld %ld %ld %lf", kind, &m, &n, &r, &N, &sec) == 6) {
			char spec[64];
			snprintf(spec, sizeof spec, "%s:%ld:%ld:%ld:%ld", kind, m, n, r, N);
			for (size_t i = 0; i < nrows; i++)
				if (rows[i].threads == threads && strcmp(rows[i].spec, spec) == 0)
					rows[i].numpy = sec;
		} else if (!numpy_note[0]) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(numpy_note, sizeof numpy_note, "NumPy reference: %s", line);
		}
	}
	int status = pclose(f);
	if (!numpy_note[0] && (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0))
		snprintf(numpy_note, sizeof numpy_note,
			 "NumPy reference: /usr/bin/python3 %s failed (status %d)", script, status);
}

/* The recorded rows beside NumPy's step at the same size and threads. */
static void numpy_table(const char *script)
{
	if (!script) {
		printf("NumPy reference: skipped (no numpy_step.py given)\n");
		return;
	}
	numpy_fill(script, 1);
	numpy_fill(script, 2);
	printf("%-30s %3s %9s %9s %7s %9s %7s\n", "step vs NumPy (naive, numpy_step.py)", "thr",
	       "numpy ms", "optim ms", "xnumpy", "sess. ms", "xnumpy");
	for (size_t i = 0; i < nrows; i++) {
		const bench_row *b = &rows[i];
		if (b->numpy <= 0.0)
			continue;
		printf("%-30s %3d %9.4f %9.4f %7.2f %9.4f %7.2f\n", b->spec, b->threads,
		       1e3 * b->numpy, 1e3 * b->optim, b->numpy / b->optim, 1e3 * b->session,
		       b->numpy / b->session);
	}
	if (numpy_note[0])
		printf("%s\n", numpy_note);
	printf("  spec = problem:m:n:r:samples; xnumpy = NumPy time / lorascope time\n");
}

/* ---- lorascope's steps ---- */

typedef struct {
	ls_session *s;
	ls_problem *p;
	const ls_config *cfg;
	ls_optim *o;
	ls_lora L, L0;
	ls_rng rng;
	long k;         /* steps per timed call */
	double untimed; /* seconds of the calls not to count (a session's reset) */
} step_ctx;

/* k optimiser steps from the initial factors (restored first, untimed in effect: a copy
 * of the factors): a long run reaches a fixed point in floating point, which would flatter
 * the figure. */
static void optim_steps(void *arg)
{
	step_ctx *c = arg;
	ls_step_info info;
	ls_error err;
	if (ls_lora_copy(&c->L, &c->L0, &err) != LS_OK)
		die("copy", &err);
	ls_optim_reset(c->o);
	for (long i = 0; i < c->k; i++)
		if (ls_optim_step(c->o, c->p, &c->L, c->cfg, &c->rng, &info, &err) != LS_OK)
			die("optimiser step", &err);
}

/* The untimed reset of a session to a fresh start (initial factors, a history begun, the
 * step 0 row: one loss evaluation, more than a step at 2048²). */
static void session_reset(step_ctx *c)
{
	ls_error err;
	double t0 = now();
	if (ls_session_reset(c->s, &err) != LS_OK)
		die("session reset", &err);
	c->untimed += now() - t0;
}

/* k session steps from a fresh start. */
static void session_steps(void *arg)
{
	step_ctx *c = arg;
	ls_error err;
	session_reset(c);
	if (ls_session_step(c->s, c->k, &err) != LS_OK)
		die("session step", &err);
}

static void step_open(step_ctx *c, ls_session *s)
{
	ls_error err;
	memset(c, 0, sizeof *c);
	c->s = s;
	c->p = (ls_problem *)ls_session_problem(s);
	c->cfg = ls_session_config(s);
	ls_rng_seed(&c->rng, 1);
	if (ls_lora_copy(&c->L0, ls_session_lora(s), &err) != LS_OK ||
	    ls_lora_copy(&c->L, ls_session_lora(s), &err) != LS_OK ||
	    ls_optim_alloc(&c->o, &c->L, c->p, &err) != LS_OK)
		die("step context", &err);
}

static void step_close(step_ctx *c)
{
	ls_optim_free(c->o);
	ls_lora_free(&c->L);
	ls_lora_free(&c->L0);
}

/* Seconds per step of f (optim_steps, session_steps or session_rows) over k steps a call,
 * k set from a first estimate and at least min_k. */
static double per_step(step_ctx *c, void (*f)(void *), long min_k)
{
	c->k = 1;
	double t0 = now();
	f(c);
	c->k = steps_for(now() - t0);
	c->k = c->k < min_k ? min_k : c->k;
	return time_fn_less(f, c, &c->untimed) / (double)c->k;
}

static double naive_time(naive_ctx *nc)
{
	double t0 = now();
	naive_step(nc);
	long k = steps_for(now() - t0);
	double best = INFINITY;
	for (int w = 0; w < BENCH_WINDOWS; w++) {
		t0 = now();
		for (long i = 0; i < k; i++)
			naive_step(nc);
		double t = (now() - t0) / (double)k;
		best = t < best ? t : best;
	}
	return best;
}

static void head(const char *first)
{
	printf("%-26s %3s %9s %9s %6s %9s %6s", first, "thr", "naive ms", "optim ms", "xnaive",
	       "sess. ms", "xnaive");
}

/* approx m×n, rank r at a thread count: the three steps and the limit. */
static void approx_row(long m, long n, long r, int threads, const double peak[3],
		       const double bw[3], ls_rng *rng, double *sink)
{
	openblas_set_num_threads(threads);
	ls_session *s = make("approx", m, n, r);
	const ls_mat *M = &ls_session_problem(s)->target;
	step_ctx c;
	step_open(&c, s);
	naive_ctx nc = naive_alloc(NAIVE_APPROX, (int)m, (int)n, (int)r, 0, M, rng);
	double tn = naive_time(&nc), to = per_step(&c, optim_steps, 0);
	double ts = per_step(&c, session_steps, TUI_FIRST);
	double rd = 8.0 * m * n / bw[threads], fl = 4.0 * m * n * r / peak[threads];
	double lim = rd > fl ? rd : fl;
	char what[40];
	snprintf(what, sizeof what, "approx %ldx%ld r %ld", m, n, r);
	printf("%-26s %3d %9.4f %9.4f %6.2f %9.4f %6.2f %9.4f %8.2f %8.2f  (read %.3f, flops "
	       "%.3f)\n",
	       what, threads, 1e3 * tn, 1e3 * to, tn / to, 1e3 * ts, tn / ts, 1e3 * lim, to / lim,
	       ts / lim, 1e3 * rd, 1e3 * fl);
	record("approx", m, n, r, 0, threads, to, ts);
	*sink += nc.sink;
	naive_free(&nc);
	step_close(&c);
	ls_session_free(s);
}

/* approx's two products M·B and Mᵀ·A on one thread: the BLAS pass (two DGEMMs per column
 * block of m·w·r ≈ 2·10⁶, as problem_approx.c on a CPU without its kernels) against
 * loss_grad (where the CPU has the kernels: the small kernel, with the Grams and the
 * gradients, or the fused pass plus the r×r Grams), in GFLOP/s of 4mnr. */
typedef struct {
	ls_problem *p;
	ls_factors F;
	ls_mat P, Q;
	double f;
} pass_ctx;

static void blas_pass(void *arg)
{
	pass_ctx *c = arg;
	const ls_mat *M = &c->p->target, *A = &c->F.A[0], *B = &c->F.B[0];
	int m = (int)M->rows, n = (int)M->cols, r = (int)A->cols;
	int w = (int)(2e6 / ((double)m * r));
	w = w < 16 ? 16 : w;
	for (int j = 0; j < n; j += w) {
		int ww = n - j < w ? n - j : w;
		const double *MJ = M->data + (size_t)j * M->ld;
		cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, r, ww, 1.0, MJ,
			    (int)M->ld, B->data + j, (int)B->ld, j ? 1.0 : 0.0, c->P.data,
			    (int)c->P.ld);
		cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ww, r, m, 1.0, MJ, (int)M->ld,
			    A->data, (int)A->ld, 0.0, c->Q.data + j, (int)c->Q.ld);
	}
}

static void lorascope_pass(void *arg)
{
	pass_ctx *c = arg;
	if (c->p->type->loss_grad(c->p, &c->F, NULL, &c->f, &c->P, &c->Q) != LS_OK)
		die("loss_grad", NULL);
}

static void pass_row(long m, long n, long r)
{
	openblas_set_num_threads(1);
	ls_session *s = make("approx", m, n, r);
	pass_ctx c = { .p = (ls_problem *)ls_session_problem(s),
		       .F = ls_lora_factors(ls_session_lora(s)) };
	ls_error err;
	if (ls_mat_alloc(&c.P, (size_t)m, (size_t)r, &err) != LS_OK ||
	    ls_mat_alloc(&c.Q, (size_t)n, (size_t)r, &err) != LS_OK)
		die("pass", &err);
	double tb = time_fn(blas_pass, &c), tl = time_fn(lorascope_pass, &c);
	double fl = 4e-9 * (double)m * (double)n * (double)r;
	printf("approx %ldx%ld r %ld, 1 thread: BLAS pass %.2f us (%.1f GFLOP/s), loss_grad %.2f "
	       "us (%.1f GFLOP/s), %.2fx\n",
	       m, n, r, 1e6 * tb, fl / tb, 1e6 * tl, fl / tl, tb / tl);
	ls_mat_free(&c.P);
	ls_mat_free(&c.Q);
	ls_session_free(s);
}

/* sensing, regression or classify at a thread count: the three steps and a limit like
 * approx's: max(one read pass over the data a step needs — sensing's mn×N measurements, the
 * layer problems' inputs Z and base outputs W0·Z — at the measured bandwidth, the flops of
 * its products at the DGEMM peak: sensing's two matrix–vector products 4·mn·N, the layer
 * problems' five thin ones 2rN·(2n + 3m); classify's N·m exponentials not counted). */
static void other_row(const char *problem, naive_kind kind, long m, long n, long r, int threads,
		      const double peak[3], const double bw[3], ls_rng *rng, double *sink)
{
	openblas_set_num_threads(threads);
	ls_session *s = make(problem, m, n, r);
	int N = (int)ls_session_problem(s)->samples;
	step_ctx c;
	step_open(&c, s);
	naive_ctx nc = naive_alloc(kind, (int)m, (int)n, (int)r, N, NULL, rng);
	double tn = naive_time(&nc), to = per_step(&c, optim_steps, 0);
	double ts = per_step(&c, session_steps, TUI_FIRST);
	double bytes = kind == NAIVE_SENSING ? 8.0 * m * n * N : 8.0 * (m + n) * N;
	double flops = kind == NAIVE_SENSING ? 4.0 * m * n * N : 2.0 * r * N * (2.0 * n + 3.0 * m);
	double rd = bytes / bw[threads], fl = flops / peak[threads], lim = rd > fl ? rd : fl;
	char what[48];
	snprintf(what, sizeof what, "%s %ldx%ld r %ld N %d", problem, m, n, r, N);
	printf("%-26s %3d %9.4f %9.4f %6.2f %9.4f %6.2f %9.4f %8.2f %8.2f  (read %.3f, flops "
	       "%.3f)\n",
	       what, threads, 1e3 * tn, 1e3 * to, tn / to, 1e3 * ts, tn / ts, 1e3 * lim, to / lim,
	       ts / lim, 1e3 * rd, 1e3 * fl);
	record(problem, m, n, r, N, threads, to, ts);
	*sink += nc.sink;
	naive_free(&nc);
	step_close(&c);
	ls_session_free(s);
}

typedef struct {
	ls_spectrum_ws *ws;
	const ls_lora *L;
	double sink;
} spec_ctx;

static void spectrum_call(void *arg)
{
	spec_ctx *c = arg;
	double sig[64], gd;
	ls_error err;
	if (ls_spectrum_lowrank(c->ws, &c->L->A[0], &c->L->B[0], c->L->s[0], sig, &gd, NULL, NULL,
				&err) != LS_OK)
		die("spectrum", &err);
	c->sink += sig[0] + gd;
}

typedef struct {
	ls_problem *p;
	ls_factors F;
	ls_mat *GA, *GB;
	double sink;
} lg_ctx;

static void loss_grad_call(void *arg)
{
	lg_ctx *c = arg;
	double f;
	if (c->p->type->loss_grad(c->p, &c->F, NULL, &f, c->GA, c->GB) != LS_OK)
		die("loss_grad", NULL);
	c->sink += f;
}

/* `lorascope run`'s --every default: a row (an ls_session_step call) every RUN_EVERY steps. */
#define RUN_EVERY 100

/* k session steps from a fresh start as `run` takes them without --plot or --snapshot: no
 * history (the caller says so), one call per row of RUN_EVERY steps. */
static void session_rows(void *arg)
{
	step_ctx *c = arg;
	ls_error err;
	session_reset(c);
	for (long done = 0; done < c->k; done += RUN_EVERY)
		if (ls_session_step(c->s, c->k - done < RUN_EVERY ? c->k - done : RUN_EVERY,
				    &err) != LS_OK)
			die("session step", &err);
}

/* The points of h that carry the factor series. */
static size_t factor_points(const ls_history *h)
{
	size_t n = 0;
	for (size_t i = 0; i < h->len; i++)
		n += ls_history_has_factors(h, i);
	return n;
}

/* The long stretch of the TUI's step in small_breakdown, and its step size. */
#define TUI_LONG (1L << 20)
#define TUI_LONG_LR "1e-4"

/* Where a small session step goes, on one thread: the optimiser step (with g and ‖∇g‖ to
 * the bit, and lean, as the session takes it), of which the problem's loss_grad; the
 * session step with a history, as the TUI's, over the history's first LS_HISTORY_MAX steps
 * from a fresh start (a point every step, and the densest stretch of the factor metrics'
 * cadence), beside the cheap spectrum of one measurement and NumPy's step; and the step
 * `run` takes (no history: the factor metrics only for its rows). Every figure from the initial
 * factors: a long run at this size reaches a fixed point in floating point (no factor changes any
 * more after about 6000 steps), where a step costs a fraction of a real one and would flatter the
 * figures; so the TUI's longer stretch (TUI_LONG) takes a smaller step size. */
static void small_breakdown(long m, long n, long r, double *sink)
{
	openblas_set_num_threads(1);
	ls_session *s = make("approx", m, n, r);
	step_ctx c;
	step_open(&c, s);
	double to = per_step(&c, optim_steps, 0);
	c.k = LS_HISTORY_MAX;
	double ts = time_fn_less(session_steps, &c, &c.untimed) / (double)c.k;
	const ls_history *h = ls_session_history(s);
	size_t measured = factor_points(h);
	ls_optim_set_lean(c.o, true);
	double tol = per_step(&c, optim_steps, 0);
	ls_optim_set_lean(c.o, false);
	spec_ctx sc = { NULL, ls_session_lora(s), 0.0 };
	ls_error err;
	if (ls_spectrum_ws_alloc(&sc.ws, (size_t)m, (size_t)n, (size_t)r, &err) != LS_OK)
		die("spectrum", &err);
	double tsp = time_fn(spectrum_call, &sc);
	ls_mat GA, GB;
	if (ls_mat_alloc(&GA, (size_t)m, (size_t)r, &err) != LS_OK ||
	    ls_mat_alloc(&GB, (size_t)n, (size_t)r, &err) != LS_OK)
		die("gradients", &err);
	lg_ctx lc = { c.p, ls_lora_factors(&c.L0), &GA, &GB, 0.0 };
	double tlg = time_fn(loss_grad_call, &lc);
	ls_session_keep_history(s, false);
	double tr = per_step(&c, session_rows, 0);
	ls_session_keep_history(s, true);
	/* The TUI's step over its first TUI_LONG steps (a second or two of training), at a step
	 * size small enough that none of them reaches the floating-point fixed point. */
	ls_change ch;
	if (ls_session_set(s, "lr", TUI_LONG_LR, &ch, &err) != LS_OK)
		die("step size", &err);
	c.k = TUI_LONG;
	double tl = time_fn_less(session_steps, &c, &c.untimed) / (double)c.k;
	size_t measured_long = factor_points(h);
	double np = 0.0;
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].threads == 1 && strncmp(rows[i].spec, "approx:", 7) == 0 &&
		    strtol(rows[i].spec + 7, NULL, 10) == m)
			np = rows[i].numpy;
	printf("approx %ldx%ld r %ld, 1 thread: optimiser step %.2f us (its loss_grad called "
	       "alone, back to back: %.2f us)",
	       m, n, r, 1e6 * to, 1e6 * tlg);
	if (np > 0.0)
		printf(": x%.1f NumPy (%.2f us)", np / to, 1e6 * np);
	printf(";\n  the same step lean (g and |grad g| from quick sums, as the session's) %.2f us",
	       1e6 * tol);
	if (np > 0.0)
		printf(": x%.1f NumPy", np / tol);
	printf(";\n  session step with a history (the TUI's), its first %d steps from a fresh "
	       "start "
	       "%.2f us (%zu of them kept with the factor metrics, each measurement with the cheap "
	       "spectrum, %.2f us)",
	       LS_HISTORY_MAX, 1e6 * ts, measured, 1e6 * tsp);
	if (np > 0.0)
		printf(": x%.1f NumPy", np / ts);
	printf(";\n  the same over its first %ld steps (lr %s) %.2f us (%zu of the %zu points "
	       "kept with the factor metrics)",
	       TUI_LONG, TUI_LONG_LR, 1e6 * tl, measured_long, h->len);
	if (np > 0.0)
		printf(": x%.1f NumPy", np / tl);
	printf(";\n  lorascope run's step (no history, a row every %d steps, from a fresh start) "
	       "%.2f us",
	       RUN_EVERY, 1e6 * tr);
	if (np > 0.0)
		printf(": x%.1f NumPy", np / tr);
	printf("\n");
	*sink += sc.sink + lc.sink;
	ls_mat_free(&GA);
	ls_mat_free(&GB);
	ls_spectrum_ws_free(sc.ws);
	step_close(&c);
	ls_session_free(s);
}

/* Peak RSS in KiB of `lorascope run` on approx m×m, rank r (a child: its ru_maxrss). */
static long run_rss(const char *lorascope, long m, long r)
{
	char ms[16], rs[16];
	snprintf(ms, sizeof ms, "%ld", m);
	snprintf(rs, sizeof rs, "%ld", r);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(lorascope, lorascope, "run", "--problem", "approx", "--m", ms, "--n", ms,
		      "--rank", rs, "--baseline", "off", "--steps", "20", "--no-timing",
		      (char *)NULL);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return ru.ru_maxrss;
}

/* OpenBLAS 0.3.21 takes newer AVX-512 CPUs (Zen 4/5) for Haswell, whose AVX2 kernels reach
 * about half of the machine's DGEMM peak: the limit would then flatter every step. With
 * AVX-512F, the peak is also measured by a child with OPENBLAS_CORETYPE=SkylakeX (the
 * variable is read when the library loads), and the limit takes the larger of the two. */
static void avx512_peak(double peak[3])
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (!__builtin_cpu_supports("avx512f"))
		return;
	char self[4096], cmd[4200];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len <= 0 || strchr((self[len] = '\0', self), '\''))
		return;
	snprintf(cmd, sizeof cmd, "OPENBLAS_CORETYPE=SkylakeX '%s' --peak", self);
	fflush(stdout);
	FILE *f = popen(cmd, "r");
	double p1 = 0.0, p2 = 0.0;
	int got = f ? fscanf(f, "%lf %lf", &p1, &p2) : 0;
	if (f)
		pclose(f);
	if (got != 2)
		return;
	printf("OpenBLAS runs its %s kernels here; with its AVX-512 ones (OPENBLAS_CORETYPE="
	       "SkylakeX, in a child) the DGEMM peak is %.1f GFLOP/s on 1 thread, %.1f on 2",
	       openblas_get_corename(), 1e-9 * p1, 1e-9 * p2);
	peak[1] = p1 > peak[1] ? p1 : peak[1];
	peak[2] = p2 > peak[2] ? p2 : peak[2];
	printf(": the limit below uses %.1f and %.1f\n\n", 1e-9 * peak[1], 1e-9 * peak[2]);
#else
	(void)peak;
#endif
}

int main(int argc, char **argv)
{
	double sink = 0.0, load[3] = { NAN, NAN, NAN };
	if (argc > 1 && !strcmp(argv[1], "--peak")) { /* the child of avx512_peak */
		ls_rng rng;
		ls_rng_seed(&rng, 7);
		double p1 = dgemm_peak(1, &rng), p2 = dgemm_peak(2, &rng);
		printf("%.6e %.6e\n", p1, p2);
		return 0;
	}
	/* The RSS figures first, while this process is small (a child's maximum starts from
	 * what it had before exec). */
	long rss_big = -1, rss_small = -1;
	if (argc > 1) {
		rss_small = run_rss(argv[1], 64, 4);
		rss_big = run_rss(argv[1], 2048, 16);
	}
	getloadavg(load, 3);
	printf("lorascope engine bench (one run; compare figures as ratios). Load average at "
	       "start %.2f %.2f %.2f on %d cores\n\n",
	       load[0], load[1], load[2], openblas_get_num_procs());
	ls_rng rng;
	ls_rng_seed(&rng, 7);
	double peak[3] = { 0.0, dgemm_peak(1, &rng), dgemm_peak(2, &rng) };
	double bw[3] = { 0.0, read_bandwidth(1, &rng, &sink), read_bandwidth(2, &rng, &sink) };
	printf("DGEMM peak (%dx%d): %.1f GFLOP/s on 1 thread, %.1f on 2; one read pass over 32 "
	       "MiB: %.1f GB/s on 1 thread, %.1f on 2\n\n",
	       PEAK_N, PEAK_N, 1e-9 * peak[1], 1e-9 * peak[2], 1e-9 * bw[1], 1e-9 * bw[2]);
	avx512_peak(peak);

	head("step (gd)");
	printf(" %9s %8s %8s\n", "limit ms", "optim/L", "sess./L");
	long sizes[][3] = {
		{ 64, 64, 4 }, { 512, 512, 8 }, { 1024, 1024, 16 }, { 2048, 2048, 16 }
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int t = 1; t <= 2; t++)
			approx_row(sizes[i][0], sizes[i][1], sizes[i][2], t, peak, bw, &rng, &sink);
	printf("  limit L = max(one read pass over M at the measured bandwidth, 4mnr flops at the "
	       "DGEMM peak), same threads;\n  xnaive = naive time / lorascope time (above 1: "
	       "lorascope is faster);\n  optim = the training step (ls_optim_step); sess. = the "
	       "TUI's step (ls_session_step with a history) over\n  its first %d steps or more "
	       "from a fresh start, the reset untimed\n\n",
	       (int)TUI_FIRST);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		pass_row(sizes[i][0], sizes[i][1], sizes[i][2]);
	printf("\n");

	head("step (gd)");
	printf(" %9s %8s %8s\n", "limit ms", "optim/L", "sess./L");
	for (int t = 1; t <= 2; t++) {
		other_row("sensing", NAIVE_SENSING, 48, 48, 8, t, peak, bw, &rng, &sink);
		other_row("regression", NAIVE_REGRESSION, 256, 256, 8, t, peak, bw, &rng, &sink);
		other_row("classify", NAIVE_CLASSIFY, 64, 256, 8, t, peak, bw, &rng, &sink);
	}
	printf("  limit L = max(one read pass over the data a step reads at the measured "
	       "bandwidth, the flops of\n  its products at the DGEMM peak), same threads: "
	       "sensing mn x N measurements, 4mnN flops;\n  regression and classify the inputs "
	       "Z and base outputs W0 Z, 2rN(2n + 3m) flops (classify's\n  exponentials not "
	       "counted)\n\n");
	numpy_table(argc > 2 ? argv[2] : NULL);
	printf("\n");
	small_breakdown(64, 64, 4, &sink);

	if (rss_big > 0 && rss_small > 0) {
		double mb = 2048.0 * 2048 * 8 / 1024, fac = (2048.0 + 2048) * 16 * 8 / 1024;
		double extra = (double)(rss_big - rss_small) - mb;
		printf("\npeak RSS of lorascope run, approx 2048x2048 r 16 (20 steps): %ld KiB; at "
		       "64x64 r 4: %ld KiB\n  difference %ld KiB = M (%.0f KiB) + %.0f KiB = M + "
		       "%.1f x (m + n)r doubles (%.0f KiB)\n",
		       rss_big, rss_small, rss_big - rss_small, mb, extra, extra / fac, fac);
	} else if (argc > 1) {
		printf("\npeak RSS: lorascope run failed\n");
	}
	getloadavg(load, 3);
	printf("\nLoad average at the end %.2f %.2f %.2f\n", load[0], load[1], load[2]);
	/* Keep the reductions observable so they are not optimised away. */
	if (!isfinite(sink))
		printf("(non-finite result)\n");
	return 0;
}
