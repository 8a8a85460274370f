/* problem_classify.c — softmax-regression fine-tuning on a Gaussian mixture (MATH.md §1):
 * f(X) = 1/N Σ_i CE(softmax((W0 + X)z_i), y_i), classes = m, features = n.
 *
 * Pre-training task: class means μ⁰_c, the rows of W0 (N(0, 4/n) entries, norm ≈ 2).
 * Fine-tuning task: means μ_c = μ⁰_c + Δ_c with Δ planted of rank true_rank
 * (σ_i = 3·√m·decay^(i−1): a row of Δ is longer than a row of W0), labels uniform,
 * z_i = 2·(μ_{y_i} + N(0, I)); with probability min(noise, 1) a label is then
 * replaced by a uniform class. W0 points along the old task's means and the new
 * task needs, roughly, the rank-true_rank update Δ. The feature scale 2 puts
 * ‖∇f(0)‖₂ above the default λ = 0.5 at m = 64 classes (the mean over classes
 * dilutes the gradient by about 1/√m relative to √L) while L stays near 20.
 * With logits U = W0·Z + s·A·(BᵀZ) (W0·Z precomputed), P = softmax(U), R = P − onehot(y):
 *   f = mean CE,  ∇f = R·Zᵀ/b,  GA = R·(BᵀZ)ᵀ/b,  GB = Z·(AᵀR)ᵀ/b   (X never formed);
 *   ∇²f[H] = 1/N Σ_i (diag(p_i) − p_i p_iᵀ)(H z_i) z_iᵀ.
 * --w0 (m×n) replaces the drawn W0; --inputs (n×N) and --outputs (N labels in [0, m))
 * replace the whole data set (then W0 need not point along any means).
 * Convex in X. L = ½·λ_max(ZZᵀ/N), since ‖diag(p) − ppᵀ‖₂ ≤ ½. α, β unknown. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lorascope/config.h"
#include "problem_util.h"

#define CLASSIFY_MEAN_NORM 2.0
#define CLASSIFY_SIGMA1 3.0
#define CLASSIFY_FEATURE_SCALE 2.0
/* Default number of samples, per class or feature, whichever is larger. */
#define CLASSIFY_SAMPLES_PER_DIM 16

typedef struct {
	size_t N;
	ls_mat Z;  /* n×N */
	ls_mat U0; /* m×N: W0·Z */
	size_t *y; /* N labels */
	double L;
	/* Workspaces (grow-only). */
	ls_probutil_layer_ws ws;
	ls_mat W;                /* the dense Hessian product's V */
	ls_probutil_threads thr; /* loss_grad's threads, timed */
} classify_data;

static void classify_destroy(ls_problem *p)
{
	classify_data *d = p->data;
	if (!d)
		return;
	ls_mat *all[] = { &d->Z, &d->U0, &d->W };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ls_mat_free(all[i]);
	ls_probutil_layer_ws_free(&d->ws);
	free(d->y);
	free(d);
	p->data = NULL;
}

/* L = ½·λ_max(ZZᵀ/N). */
static ls_status classify_lipschitz_bound(classify_data *d, ls_error *err)
{
	double lmax;
	ls_status st = ls_probutil_gram_eig(&d->Z, NULL, NULL, &lmax, err);
	if (st == LS_OK)
		d->L = 0.5 * lmax;
	return st;
}

/* d->y := the labels of Lab (a vector of d->N integers in [0, m), read from spec). */
static ls_status classify_labels(classify_data *d, const ls_mat *Lab, size_t m, const char *spec,
				 ls_error *err)
{
	size_t len = Lab->rows == 1 ? Lab->cols : Lab->cols == 1 ? Lab->rows : 0;
	if (len != d->N)
		return ls_error_set(err, LS_EDIM,
				    "--outputs: %s is %zu×%zu, but --samples %zu needs %zu labels "
				    "(a vector)",
				    spec, Lab->rows, Lab->cols, d->N, d->N);
	for (size_t i = 0; i < len; i++) {
		double v = Lab->rows == 1 ? LS_AT(*Lab, 0, i) : LS_AT(*Lab, i, 0);
		if (!(v >= 0.0 && v < (double)m) || v != floor(v))
			return ls_error_set(err, LS_ERANGE,
					    "--outputs: %s: label %zu is %g, not a class in "
					    "[0, %zu)",
					    spec, i + 1, v, m);
		d->y[i] = (size_t)v;
	}
	return LS_OK;
}

static ls_status classify_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in,
				 ls_rng *rng, ls_error *err)
{
	size_t m = (size_t)cfg->m, n = (size_t)cfg->n, tr = (size_t)cfg->true_rank;
	if (m < 2)
		return ls_error_set(err, LS_ERANGE,
				    "classify: --m (the number of classes) must be "
				    "at least 2");
	size_t N = cfg->samples > 0 ? (size_t)cfg->samples
				    : CLASSIFY_SAMPLES_PER_DIM * (m > n ? m : n);
	classify_data *d = calloc(1, sizeof *d);
	if (!d)
		return ls_error_set(err, LS_ENOMEM, "classify: out of memory");
	p->data = d;
	p->nmod = 1;
	p->shape[0] = (ls_shape){ m, n };
	p->samples = N;
	d->N = N;
	d->y = calloc(N, sizeof *d->y);
	if (!d->y)
		return ls_error_set(err, LS_ENOMEM, "classify: out of memory");
	ls_mat W0 = { 0 }, Mu = { 0 }, Lab = { 0 };
	char nmn[64], nz[64];
	snprintf(nmn, sizeof nmn, "--m %zu --n %zu", m, n);
	snprintf(nz, sizeof nz, "--n %zu --samples %zu", n, N);
	bool have_w0, have_z, have_y;
	ls_status st = ls_probutil_input(cfg, in, LS_PARAM_w0, m, n, nmn, &W0, &have_w0, err);
	if (st == LS_OK)
		st = ls_probutil_input(cfg, in, LS_PARAM_inputs, n, N, nz, &d->Z, &have_z, err);
	if (st == LS_OK)
		st = ls_probutil_input(cfg, in, LS_PARAM_outputs, LS_ANY, LS_ANY, "", &Lab, &have_y,
				       err);
	if (st == LS_OK && have_z != have_y)
		st = ls_error_set(err, LS_EINVAL,
				  "--%s: classify needs --inputs and --outputs (labels) together",
				  have_z ? "inputs" : "outputs");
	if (st == LS_OK && have_y)
		st = classify_labels(d, &Lab, m, cfg->outputs, err);
	if (st == LS_OK && !have_z)
		st = ls_mat_alloc(&d->Z, n, N, err);
	if (st == LS_OK)
		st = ls_mat_alloc(&d->U0, m, N, err);
	if (st == LS_OK && !have_w0)
		st = ls_mat_alloc(&W0, m, n, err);
	if (st == LS_OK && !have_z)
		st = ls_mat_alloc(&Mu, m, n, err);
	if (st == LS_OK && !have_z)
		st = ls_probutil_planted(rng, &Mu, tr, CLASSIFY_SIGMA1 * sqrt((double)m),
					 cfg->decay, NULL, err);
	if (st == LS_OK && !have_w0)
		ls_rng_fill_normal(rng, &W0, 0.0, CLASSIFY_MEAN_NORM / sqrt((double)n));
	if (st == LS_OK && !have_z) {
		ls_mat_axpy(&Mu, 1.0, &W0);
		double flip = cfg->noise < 1.0 ? cfg->noise : 1.0;
		for (size_t i = 0; i < N; i++) {
			size_t c = (size_t)ls_rng_below(rng, m);
			for (size_t j = 0; j < n; j++)
				LS_AT(d->Z, j, i) = CLASSIFY_FEATURE_SCALE *
						    (LS_AT(Mu, c, j) + ls_rng_normal(rng));
			if (flip > 0.0 && ls_rng_uniform(rng) < flip)
				c = (size_t)ls_rng_below(rng, m);
			d->y[i] = c;
		}
	}
	if (st == LS_OK)
		st = ls_mat_gemm(false, false, 1.0, &W0, &d->Z, 0.0, &d->U0);
	ls_mat_free(&Lab);
	ls_mat_free(&W0);
	ls_mat_free(&Mu);
	if (st == LS_OK)
		st = classify_lipschitz_bound(d, err);
	return st;
}

/* The logits R (m×w) of the samples j0.. of the batch: each column replaced by
 * P − onehot(y); returns the sum of their cross-entropies. */
static double classify_softmax(const classify_data *d, ls_mat *R, const ls_batch *batch, size_t j0)
{
	size_t m = R->rows;
	double f = 0.0;
	for (size_t j = 0; j < R->cols; j++) {
		double *u = R->data + j * R->ld, mx = u[0], sum = 0.0;
		size_t y = d->y[ls_probutil_batch_index(batch, j0 + j)];
		double uy = u[y];
		for (size_t c = 1; c < m; c++)
			mx = u[c] > mx ? u[c]
				       : mx; /* fmax but inlined: NaNs end as NaN either way */
		for (size_t c = 0; c < m; c++) {
			u[c] = exp(u[c] - mx);
			sum += u[c];
		}
		/* CE = log Σ_c exp(u_c) − u_y, shifted by the largest logit. */
		f += mx + log(sum) - uy;
		for (size_t c = 0; c < m; c++)
			u[c] /= sum;
		u[y] -= 1.0;
	}
	return f;
}

typedef struct {
	const classify_data *d;
	const ls_batch *batch;
} classify_ctx;

/* The layer pass's step (problem_util.h): logits W0·Z_J + s·A·(BᵀZ_J) → P − onehot(y). */
static double classify_out(void *ctx, ls_mat *R, size_t j0)
{
	const classify_ctx *c = ctx;
	return classify_softmax(c->d, R, c->batch, j0);
}

static ls_status classify_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *batch,
				    double *loss, ls_mat *GA, ls_mat *GB)
{
	classify_data *d = p->data;
	classify_ctx c = { d, batch };
	return ls_probutil_layer_loss_grad(p, F, batch, &d->Z, &d->U0, &d->ws, &d->thr,
					   classify_out, &c, loss, GA, GB);
}

/* R := P − onehot(y) over every sample at X (dense); returns f. */
static ls_status classify_dense_residual(classify_data *d, const ls_mat *X, ls_mat *R, double *f)
{
	ls_status st = ls_probutil_dense_affine(&d->ws.R, &d->U0, X, &d->Z, R);
	if (st == LS_OK)
		*f = classify_softmax(d, R, NULL, 0) / (double)R->cols;
	return st;
}

static double classify_loss_dense(ls_problem *p, const ls_mat *X)
{
	ls_mat R;
	double f = NAN;
	if (ls_probutil_check_dense(p, X) != LS_OK ||
	    classify_dense_residual(p->data, &X[0], &R, &f) != LS_OK)
		return NAN;
	return f;
}

static ls_status classify_grad_dense(ls_problem *p, const ls_mat *X, ls_mat *G)
{
	classify_data *d = p->data;
	ls_mat R;
	double f;
	ls_status st = ls_probutil_check_dense_all(p, X, G, NULL);
	if (st == LS_OK)
		st = classify_dense_residual(d, &X[0], &R, &f);
	if (st == LS_OK)
		st = ls_mat_gemm(false, true, 1.0 / (double)d->N, &R, &d->Z, 0.0, &G[0]);
	return st;
}

static ls_status classify_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	classify_data *d = p->data;
	ls_mat R, V;
	double f;
	ls_status st = ls_probutil_check_dense_all(p, X, H, out);
	if (st == LS_OK)
		st = classify_dense_residual(d, &X[0], &R, &f);
	if (st == LS_OK)
		st = ls_probutil_ensure(&d->W, d->U0.rows, d->N, &V, NULL);
	if (st == LS_OK)
		st = ls_mat_gemm(false, false, 1.0, &H[0], &d->Z, 0.0, &V);
	if (st != LS_OK)
		return st;
	/* R holds P − onehot(y): add the label back to recover p_i, then
	 * v_i := diag(p_i)·v_i − p_i·(p_iᵀv_i). */
	for (size_t i = 0; i < d->N; i++) {
		double *pi = R.data + i * R.ld, *vi = V.data + i * V.ld, pv = 0.0;
		pi[d->y[i]] += 1.0;
		for (size_t c = 0; c < R.rows; c++)
			pv += pi[c] * vi[c];
		for (size_t c = 0; c < R.rows; c++)
			vi[c] = pi[c] * (vi[c] - pv);
	}
	return ls_mat_gemm(false, true, 1.0 / (double)d->N, &V, &d->Z, 0.0, &out[0]);
}

static double classify_lipschitz(ls_problem *p)
{
	return ((classify_data *)p->data)->L;
}

const ls_problem_type ls_problem_classify = {
	.name = "classify",
	.create = classify_create,
	.destroy = classify_destroy,
	.loss_grad = classify_loss_grad,
	.loss_dense = classify_loss_dense,
	.grad_dense = classify_grad_dense,
	.hvp_dense = classify_hvp_dense,
	.lipschitz = classify_lipschitz,
	.convex = true,
	.plants_true_rank = true,
};
