/* problem_sensing.c — matrix sensing f(X) = 1/(2N) Σ_i (⟨S_i, X⟩ − y_i)² (MATH.md §1).
 *
 * S_i with i.i.d. N(0, 1) entries (so E f(X) = ½‖X − X♮‖² without noise),
 * y_i = ⟨S_i, X♮⟩ + noise, X♮ planted of rank true_rank with σ_i = 2·decay^(i−1), or read
 * from --target (m×n; the measurements stay random: an mn×N file would be impractical).
 * Default N = 3·true_rank·(m + n), a few times the r♮(m + n − r♮) degrees of freedom.
 * The S_i are the columns vec(S_i) of one mn×N matrix, so full-batch residuals and
 * gradients are two matrix–vector products; X = s·A·Bᵀ is formed in a workspace
 * (cheaper than N factor products), then GA = ∇f·B, GB = ∇fᵀ·A.
 * The full-batch gradient reads S once: column blocks S_J small enough to stay in L2 give
 * r_J = S_Jᵀ·x − c·y_J, then ∇f += S_J·r_J/N while S_J is still there (two passes over S,
 * as two whole products make, cost twice the memory traffic; 48², N 1152, one thread:
 * 1.15 ms against 0.77 in one run). From SENSING_SPLIT_ELEMS on, the blocks are cut into
 * parts fixed by the sizes, each summing ∇f into its own slot, added in part order, so
 * threads claim parts (ls_probutil_parts_run) without changing a bit.
 * ∇f = (1/b) Σ r_i S_i over the batch; ∇²f[H] = (1/N) Σ ⟨S_i, H⟩ S_i.
 * L = λ_max of the sensing Gram (1/N) Σ vec S_i vec S_iᵀ, estimated on first use by
 * Lanczos (full reorthogonalisation) on SᵀS/N or SSᵀ/N, whichever is smaller, times
 * (1 + SENSING_L_MARGIN): Ritz values approach λ_max from below; at the sizes checked
 * against LAPACK (up to 40×40, N = 960) 60 steps already matched it to 6 digits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lorascope/config.h"
#include "problem_util.h"

#define SENSING_SIGMA1 2.0
#define SENSING_SAMPLES_PER_DOF 3
#define SENSING_LANCZOS_STEPS 60
#define SENSING_L_MARGIN 0.02
/* The full-batch pass: at most this many bytes of S a block (a quarter of L2), parts from
 * this many entries of S on (about 0.1 ms of pass on one core), and how many. */
#define SENSING_BLOCK_BYTES 262144.0
#define SENSING_SPLIT_ELEMS 524288.0
#define SENSING_PARTS 8

typedef struct {
	size_t N;
	ls_mat S;                /* mn×N, column i = vec(S_i) */
	ls_mat y;                /* N×1 */
	ls_mat res;              /* N×1 residuals */
	ls_mat X, G;             /* m×n workspaces */
	ls_mat Gp;               /* mn×(parts − 1): the slots of parts 1.. of the pass */
	size_t w, blocks, parts; /* the pass's column blocks and parts */
	ls_mat V, T;             /* Lanczos basis N×(k+1), tridiagonal k×k */
	double L;                /* 0 until computed */
	ls_probutil_threads thr; /* the pass's threads, timed */
} sensing_data;

static void sensing_destroy(ls_problem *p)
{
	sensing_data *d = p->data;
	if (!d)
		return;
	ls_mat *all[] = { &d->S, &d->y, &d->res, &d->X, &d->G, &d->Gp, &d->V, &d->T };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ls_mat_free(all[i]);
	free(d);
	p->data = NULL;
}

/* The side on which Lanczos runs: the smaller of N and mn (SᵀS/N and SSᵀ/N share
 * their nonzero eigenvalues). */
static size_t sensing_lanczos_dim(const sensing_data *d)
{
	return d->N < d->S.rows ? d->N : d->S.rows;
}

static size_t sensing_steps(const sensing_data *d)
{
	size_t k = SENSING_LANCZOS_STEPS;
	if (k > d->N)
		k = d->N;
	if (k > d->S.rows)
		k = d->S.rows;
	return k;
}

/* The pass's blocks (columns of S at most SENSING_BLOCK_BYTES, at least one) and parts
 * (one below SENSING_SPLIT_ELEMS, never more than blocks). */
static void sensing_layout(sensing_data *d, size_t mn)
{
	double w = SENSING_BLOCK_BYTES / (sizeof(double) * (double)(mn ? mn : 1));
	d->w = w < 1.0 ? 1 : w > (double)d->N ? d->N : (size_t)w;
	d->blocks = d->w ? (d->N + d->w - 1) / d->w : 0;
	d->parts = (double)mn * (double)d->N < SENSING_SPLIT_ELEMS || d->blocks < 2 ? 1
		   : d->blocks < SENSING_PARTS                                      ? d->blocks
										    : SENSING_PARTS;
}

static ls_status sensing_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in,
				ls_rng *rng, ls_error *err)
{
	size_t m = (size_t)cfg->m, n = (size_t)cfg->n, tr = (size_t)cfg->true_rank;
	size_t N = cfg->samples > 0 ? (size_t)cfg->samples : SENSING_SAMPLES_PER_DOF * tr * (m + n);
	sensing_data *d = calloc(1, sizeof *d);
	if (!d)
		return ls_error_set(err, LS_ENOMEM, "sensing: out of memory");
	p->data = d;
	p->nmod = 1;
	p->shape[0] = (ls_shape){ m, n };
	p->samples = N;
	d->N = N;
	if (m * n > LS_MAT_MAX_ELEMS / N)
		return ls_error_set(err, LS_ETOOBIG,
				    "sensing: %zu measurements of %zu×%zu matrices exceed the size "
				    "limit; lower --samples",
				    N, m, n);
	char need[64];
	snprintf(need, sizeof need, "--m %zu --n %zu", m, n);
	bool loaded;
	ls_status st = ls_probutil_input(cfg, in, LS_PARAM_target, m, n, need, &p->target, &loaded,
					 err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->S, m * n, N, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->y, N, 1, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->res, N, 1, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->X, m, n, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->G, m, n, err);
	if (st == LS_OK) {
		sensing_layout(d, m * n);
		st = ls_mat_alloc(&d->Gp, m * n, d->parts - 1, err);
	}
	if (st == LS_OK)
		st = ls_mat_alloc(&d->V, sensing_lanczos_dim(d), sensing_steps(d) + 1, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->T, sensing_steps(d), sensing_steps(d), err);
	if (st == LS_OK && !loaded)
		st = ls_mat_alloc(&p->target, m, n, err);
	if (st == LS_OK && !loaded)
		st = ls_probutil_planted(rng, &p->target, tr, SENSING_SIGMA1, cfg->decay, NULL,
					 err);
	if (st != LS_OK)
		return st;
	ls_rng_fill_normal(rng, &d->S, 0.0, 1.0);
	ls_mat_gemv(true, 1.0, &d->S, p->target.data, 0.0, d->y.data);
	if (cfg->noise > 0.0)
		for (size_t i = 0; i < N; i++)
			d->y.data[i] += cfg->noise * ls_rng_normal(rng);
	return LS_OK;
}

/* x as one contiguous mn vector: X itself when ld = m, else its copy in d->X. */
static const double *sensing_vec(sensing_data *d, const ls_mat *X)
{
	if (X->ld == X->rows)
		return X->data;
	ls_mat_copy(&d->X, X);
	return d->X.data;
}

/* The full-batch pass (see the top) at x, c: r := Sᵀ·x − c·y, d->G := inv·S·r. */
typedef struct {
	sensing_data *d;
	const double *x;
	double c, inv;
} sensing_pass;

static void sensing_part(void *arg, size_t k)
{
	const sensing_pass *c = arg;
	sensing_data *d = c->d;
	size_t N = d->N, j0 = k * d->blocks / d->parts * d->w;
	size_t j1 = (k + 1) * d->blocks / d->parts * d->w;
	double *r = d->res.data, *g = k ? d->Gp.data + (k - 1) * d->Gp.ld : d->G.data;
	for (size_t j = j0; j < j1 && j < N; j += d->w) {
		size_t w = N - j < d->w ? N - j : d->w;
		ls_mat SJ = ls_mat_cols(d->S, j, w);
		ls_mat_gemv(true, 1.0, &SJ, c->x, 0.0, r + j);
		for (size_t i = j; i < j + w; i++)
			r[i] -= c->c * d->y.data[i];
		ls_mat_gemv(false, c->inv, &SJ, r + j, j > j0 ? 1.0 : 0.0, g);
	}
}

/* OpenBLAS must be on one thread; the parts run on up to `threads`, as the timed choice
 * keyed by N goes (a timed call or not: problem_util.h). */
static void sensing_full_pass(sensing_data *d, const double *x, double c, double inv, int threads,
			      bool timed)
{
	sensing_pass job = { .d = d, .x = x, .c = c, .inv = inv };
	ls_probutil_parts_run_chosen(&d->thr, d->N, timed, d->parts, threads, sensing_part, &job);
	ls_mat g = ls_mat_view(d->G.data, d->S.rows, 1, d->S.rows);
	for (size_t k = 1; k < d->parts; k++) {
		ls_mat gk = ls_mat_cols(d->Gp, k - 1, 1);
		ls_mat_axpy(&g, 1.0, &gk);
	}
}

/* r_i = ⟨S_i, X⟩ − c·y_i over the b samples of the batch (c = 1 for the loss,
 * 0 for Hessian products); returns (1/2b) Σ r_i², and when grad is set writes
 * (1/b) Σ r_i S_i into d->G, the full batch's pass on up to `threads` (OpenBLAS on one),
 * timed or not. */
static double sensing_eval(sensing_data *d, const double *x, const ls_batch *batch, size_t b,
			   bool grad, double c, int threads, bool timed)
{
	size_t mn = d->S.rows;
	double *r = d->res.data, f = 0.0, inv = 1.0 / (double)b;
	ls_mat xv = ls_mat_view((double *)x, mn, 1, mn), g = ls_mat_view(d->G.data, mn, 1, mn);
	if (!batch) {
		if (grad)
			sensing_full_pass(d, x, c, inv, threads, timed);
		else
			ls_mat_gemv(true, 1.0, &d->S, x, 0.0, r);
		for (size_t i = 0; i < b; i++) {
			if (!grad)
				r[i] -= c * d->y.data[i];
			f += r[i] * r[i];
		}
		return 0.5 * inv * f;
	}
	if (grad)
		ls_mat_set_zero(&g);
	for (size_t j = 0; j < b; j++) {
		ls_mat si = ls_mat_cols(d->S, batch->idx[j], 1);
		double rj = ls_mat_dot(&si, &xv) - c * d->y.data[batch->idx[j]];
		f += rj * rj;
		if (grad)
			ls_mat_axpy(&g, inv * rj, &si);
	}
	return 0.5 * inv * f;
}

/* Every product on one OpenBLAS thread; the full batch's pass on the threads timed faster
 * (problem_util.h), keyed by N. */
static ls_status sensing_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *batch,
				   double *loss, ls_mat *GA, ls_mat *GB)
{
	sensing_data *d = p->data;
	ls_status st = ls_probutil_check_factors(p, F);
	if (st == LS_OK)
		st = ls_probutil_check_batch(p, batch);
	if (st != LS_OK)
		return st;
	int threads = ls_blas_threads_solo();
	st = ls_probutil_form(F, 0, &d->X);
	if (st == LS_OK) {
		double f = sensing_eval(d, d->X.data, batch, ls_probutil_batch_count(p, batch),
					GA || GB, 1.0, threads, true);
		if (loss)
			*loss = f;
		st = ls_probutil_dense_factor_grads(&d->G, F, GA, GB);
	}
	ls_blas_threads_restore(threads);
	return st;
}

/* sensing_eval over every sample at x, untimed. */
static double sensing_eval_all(sensing_data *d, const double *x, bool grad, double c)
{
	int threads = ls_blas_threads_solo();
	double f = sensing_eval(d, x, NULL, d->N, grad, c, threads, false);
	ls_blas_threads_restore(threads);
	return f;
}

static double sensing_loss_dense(ls_problem *p, const ls_mat *X)
{
	sensing_data *d = p->data;
	if (ls_probutil_check_dense(p, X) != LS_OK)
		return NAN;
	return sensing_eval_all(d, sensing_vec(d, &X[0]), false, 1.0);
}

static ls_status sensing_grad_dense(ls_problem *p, const ls_mat *X, ls_mat *G)
{
	sensing_data *d = p->data;
	ls_status st = ls_probutil_check_dense_all(p, X, G, NULL);
	if (st != LS_OK)
		return st;
	sensing_eval_all(d, sensing_vec(d, &X[0]), true, 1.0);
	return ls_mat_copy(&G[0], &d->G);
}

static ls_status sensing_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	sensing_data *d = p->data;
	ls_status st = ls_probutil_check_dense_all(p, X, H, out);
	if (st != LS_OK)
		return st;
	sensing_eval_all(d, sensing_vec(d, &H[0]), true, 0.0);
	return ls_mat_copy(&out[0], &d->G);
}

/* w := K·v with K = SᵀS/N (dim = N) or SSᵀ/N (dim = mn); the other side's vector
 * goes through d->G (mn) or d->res (N). */
static void sensing_gram_apply(sensing_data *d, const double *v, double *w)
{
	double inv = 1.0 / (double)d->N;
	if (sensing_lanczos_dim(d) == d->N) {
		ls_mat_gemv(false, 1.0, &d->S, v, 0.0, d->G.data);
		ls_mat_gemv(true, inv, &d->S, d->G.data, 0.0, w);
	} else {
		ls_mat_gemv(true, 1.0, &d->S, v, 0.0, d->res.data);
		ls_mat_gemv(false, inv, &d->S, d->res.data, 0.0, w);
	}
}

/* Largest Ritz value of the sensing Gram after up to k Lanczos steps from a fixed
 * start vector, with full reorthogonalisation (twice is enough). */
static double sensing_lanczos(sensing_data *d)
{
	size_t dim = sensing_lanczos_dim(d), k = sensing_steps(d);
	ls_mat T = d->T, wv = ls_mat_cols(d->V, k, 1);
	double *w = wv.data;
	ls_mat_set_zero(&T);
	ls_mat q0 = ls_mat_cols(d->V, 0, 1);
	for (size_t i = 0; i < dim; i++)
		q0.data[i] = 1.0 + (double)(i % 7) / 7.0;
	ls_mat_scale(&q0, 1.0 / ls_mat_norm(&q0));
	size_t steps = 0;
	for (size_t j = 0; j < k; j++) {
		ls_mat qj = ls_mat_cols(d->V, j, 1);
		sensing_gram_apply(d, qj.data, w);
		LS_AT(T, j, j) = ls_mat_dot(&qj, &wv);
		steps = j + 1;
		ls_mat Vj = ls_mat_cols(d->V, 0, j + 1);
		double h[SENSING_LANCZOS_STEPS + 1];
		for (int pass = 0; pass < 2; pass++) {
			ls_mat_gemv(true, 1.0, &Vj, w, 0.0, h);
			ls_mat_gemv(false, -1.0, &Vj, h, 1.0, w);
		}
		double b = ls_mat_norm(&wv);
		if (j + 1 == k || b <= 1e-12 * fabs(LS_AT(T, j, j)))
			break;
		LS_AT(T, j, j + 1) = LS_AT(T, j + 1, j) = b;
		ls_mat qn = ls_mat_cols(d->V, j + 1, 1);
		ls_mat_copy(&qn, &wv);
		ls_mat_scale(&qn, 1.0 / b);
	}
	double ev[SENSING_LANCZOS_STEPS];
	ls_mat Ts = ls_mat_block(T, 0, 0, steps, steps);
	if (ls_mat_sym_eig(&Ts, ev, false, NULL) != LS_OK)
		return NAN;
	return ev[steps - 1];
}

static double sensing_lipschitz(ls_problem *p)
{
	sensing_data *d = p->data;
	if (d->L == 0.0)
		d->L = (1.0 + SENSING_L_MARGIN) * sensing_lanczos(d);
	return d->L;
}

const ls_problem_type ls_problem_sensing = {
	.name = "sensing",
	.create = sensing_create,
	.destroy = sensing_destroy,
	.loss_grad = sensing_loss_grad,
	.loss_dense = sensing_loss_dense,
	.grad_dense = sensing_grad_dense,
	.hvp_dense = sensing_hvp_dense,
	.lipschitz = sensing_lipschitz,
	.convex = true,
	.quadratic = true,
	.plants_true_rank = true,
};
