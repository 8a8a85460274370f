/* bench_engine.c — `make bench`: steps/s and GFLOP/s of training steps, an approx step at
 * 2048×2048 against one memory pass over M, and the cheap spectrum (MATH.md §8).
 * Figures only, no assertions: timing belongs here, never in make check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "lorascope/optim.h"
#include "lorascope/session.h"
#include "lorascope/spectrum.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int die(const char *what, const ls_error *err)
{
	fprintf(stderr, "bench: %s: %s\n", what, err->msg);
	exit(1);
}

static ls_session *make(const char *problem, long m, long n, long r, const char *optimizer)
{
	ls_config c;
	ls_config_defaults(&c);
	char buf[32];
	ls_error err;
	ls_error_clear(&err);
	ls_config_set(&c, "problem", problem, &err);
	snprintf(buf, sizeof buf, "%ld", m);
	ls_config_set(&c, "m", buf, &err);
	snprintf(buf, sizeof buf, "%ld", n);
	ls_config_set(&c, "n", buf, &err);
	snprintf(buf, sizeof buf, "%ld", r);
	ls_config_set(&c, "rank", buf, &err);
	ls_config_set(&c, "optimizer", optimizer, &err);
	ls_config_set(&c, "lr", "0.01", &err);
	ls_config_set(&c, "baseline", "off", &err);
	ls_session *s;
	if (ls_session_create(&s, &c, &err) != LS_OK)
		die("session", &err);
	return s;
}

/* Seconds per session step, over at least `min_time` seconds. */
static double time_session(ls_session *s, double min_time)
{
	ls_error err;
	long done = 0, batch = 1;
	if (ls_session_step(s, 1, &err) != LS_OK)
		die("step", &err);
	double t0 = now(), t;
	while ((t = now() - t0) < min_time) {
		if (ls_session_step(s, batch, &err) != LS_OK)
			die("step", &err);
		done += batch;
		if (batch < 1024)
			batch *= 2;
	}
	return t / (double)done;
}

static void row(const char *what, double sec, double flops)
{
	printf("%-44s %12.1f %12.4f %10.2f\n", what, 1.0 / sec, 1e3 * sec,
	       flops > 0 ? flops / sec * 1e-9 : NAN);
}

/* One approx GD step: M·B and Mᵀ·A (4mnr), two Grams and two r×r products (8(m+n)r²). */
static double approx_flops(double m, double n, double r)
{
	return 4 * m * n * r + 8 * (m + n) * r * r;
}

int main(void)
{
	const double T = 1.0;
	printf("%-44s %12s %12s %10s\n", "benchmark", "steps/s", "ms/step", "GFLOP/s");
	const long sizes[][3] = { { 64, 64, 4 }, { 512, 512, 8 }, { 2048, 2048, 16 } };
	for (size_t i = 0; i < 3; i++) {
		long m = sizes[i][0], n = sizes[i][1], r = sizes[i][2];
		ls_session *s = make("approx", m, n, r, "gd");
		char what[64];
		snprintf(what, sizeof what, "approx %ldx%ld r=%ld gd (session step)", m, n, r);
		row(what, time_session(s, T), approx_flops((double)m, (double)n, (double)r));
		ls_session_free(s);
	}
	/* The metrics' share at a small size: the same steps without the session around them. */
	{
		ls_session *sm = make("approx", 64, 64, 8, "gd");
		ls_problem *p = (ls_problem *)ls_session_problem(sm);
		ls_lora L;
		ls_optim *o;
		ls_rng rng;
		ls_error e2;
		ls_rng_seed(&rng, 1);
		memset(&L, 0, sizeof L);
		if (ls_lora_copy(&L, ls_session_lora(sm), &e2) != LS_OK ||
		    ls_optim_alloc(&o, &L, p, &e2) != LS_OK)
			die("optim", &e2);
		ls_step_info info;
		long done = 0;
		double t0 = now();
		while (now() - t0 < T) {
			for (int k = 0; k < 256; k++)
				ls_optim_step(o, p, &L, ls_session_config(sm), &rng, &info, &e2);
			done += 256;
		}
		row("approx 64x64 r=8 gd (optimiser step alone)", (now() - t0) / (double)done,
		    approx_flops(64, 64, 8));
		row("approx 64x64 r=8 gd (session step)", time_session(sm, T), approx_flops(64, 64, 8));
		ls_optim_free(o);
		ls_lora_free(&L);
		ls_session_free(sm);
	}
	ls_session *s = make("sensing", 32, 32, 8, "gd");
	double N = (double)ls_session_problem(s)->samples;
	/* sensing: ⟨S_i, X⟩ and Σ r_i S_i over N dense 32×32 matrices (4N·mn), plus products. */
	char what[64];
	snprintf(what, sizeof what, "sensing 32x32 r=8 N=%.0f gd", N);
	row(what, time_session(s, T), 4 * N * 32 * 32 + 4 * 32 * 32 * 8);
	ls_session_free(s);
	s = make("regression", 256, 256, 8, "gd");
	N = (double)ls_session_problem(s)->samples;
	snprintf(what, sizeof what, "regression 256x256 r=8 N=%.0f gd", N);
	row(what, time_session(s, T), 0);
	ls_session_free(s);
	s = make("approx", 512, 512, 8, "adam");
	row("approx 512x512 r=8 adam", time_session(s, T), approx_flops(512, 512, 8));
	ls_session_free(s);

	/* One approx step at 2048² r = 16 against one pass over M (dnrm2 and a copy). */
	printf("\n%-44s %12s %12s\n", "2048x2048, r = 16", "ms", "passes");
	s = make("approx", 2048, 2048, 16, "gd");
	double step = time_session(s, T);
	const ls_mat *M = &ls_session_problem(s)->target;
	size_t cnt = M->rows * M->cols;
	double *copy = malloc(cnt * sizeof(double));
	if (!copy)
		return 1;
	double sink = 0.0, t0 = now();
	int reps = 0;
	while (now() - t0 < T || reps < 5) {
		sink += cblas_dnrm2((int)cnt, M->data, 1);
		reps++;
	}
	double pass = (now() - t0) / reps;
	t0 = now();
	reps = 0;
	while (now() - t0 < T || reps < 5) {
		memcpy(copy, M->data, cnt * sizeof(double));
		sink += copy[reps % cnt];
		reps++;
	}
	double cpy = (now() - t0) / reps;
	printf("%-44s %12.3f %12s\n", "one pass over M (dnrm2, 32 MiB read)", 1e3 * pass, "1.00");
	printf("%-44s %12.3f %12.2f\n", "copy of M (memcpy, read + write)", 1e3 * cpy, cpy / pass);
	printf("%-44s %12.3f %12.2f\n", "approx session step (with metrics)", 1e3 * step,
	       step / pass);
	/* The problem's part alone: f, M·B and Mᵀ·A from the factors. */
	{
		ls_problem *p = (ls_problem *)ls_session_problem(s);
		ls_factors F = ls_lora_factors(ls_session_lora(s));
		ls_mat GA, GB;
		ls_error e2;
		if (ls_mat_alloc(&GA, 2048, 16, &e2) != LS_OK ||
		    ls_mat_alloc(&GB, 2048, 16, &e2) != LS_OK)
			die("alloc", &e2);
		double f;
		t0 = now();
		reps = 0;
		while (now() - t0 < T || reps < 5) {
			p->type->loss_grad(p, &F, NULL, &f, &GA, &GB);
			reps++;
		}
		double lg = (now() - t0) / reps;
		printf("%-44s %12.3f %12.2f\n", "approx loss_grad alone (f, M*B, M^T*A)", 1e3 * lg,
		       lg / pass);
		sink += f;
		ls_mat_free(&GA);
		ls_mat_free(&GB);
	}

	/* The cheap spectrum of X = A·Bᵀ with the factors of this session. */
	const ls_lora *L = ls_session_lora(s);
	ls_spectrum_ws *ws;
	ls_error err;
	if (ls_spectrum_ws_alloc(&ws, 2048, 2048, 16, &err) != LS_OK)
		die("spectrum", &err);
	double sig[16], gd;
	t0 = now();
	reps = 0;
	while (now() - t0 < T) {
		ls_spectrum_lowrank(ws, &L->A[0], &L->B[0], L->s[0], sig, &gd, NULL, NULL, &err);
		reps++;
	}
	double spec = (now() - t0) / reps;
	printf("%-44s %12.3f %12s\n", "cheap spectrum sigma(A*B^T) + balancedness", 1e3 * spec,
	       "-");
	ls_spectrum_ws_free(ws);
	ls_session_free(s);
	free(copy);
	/* Keep the reductions observable so they are not optimised away. */
	if (!isfinite(sink) || !isfinite(sig[0]))
		printf("(non-finite result)\n");
	return 0;
}
