/* problem_approx.c — low-rank approximation f(X) = ½‖M − X‖_F² (MATH.md §1, §7, §9;
 * Rushka–Klabjan §2.3 with M = W0).
 *
 * M = U·diag(σ)·Vᵀ + noise·G with σ_i = 2·decay^(i−1), i = 1..true_rank, on random
 * orthonormal U, V; or M read from --target (m×n, as is: no noise added). loss_grad never
 * forms the m×n X: with X = s·A·Bᵀ,
 *   f  = ½‖M‖² − s⟨A, M·B⟩ + ½s²⟨AᵀA, BᵀB⟩,
 *   GA = (X − M)·B  = s·A·(BᵀB) − M·B,     GB = (X − M)ᵀ·A = s·B·(AᵀA) − Mᵀ·A.
 * The expansion carries an absolute rounding error ~1e-16·‖M‖² (cancellation when f
 * is near 0): values below that floor are noise, and negative ones are returned as 0.
 * ∇²f = I, so α = β = 1 exactly (MATH.md §9) and L = 1. No samples: batches are ignored.
 *
 * On x86-64 with AVX-512F or AVX2+FMA the kernels of approx_kernel.c do the work (GCC
 * vector code compiled per ISA, picked at run time; LORASCOPE_KERNEL can forbid them):
 * - a small M (see APPROX_SMALL_READ) goes through the small kernel: the Grams, M·B from M
 *   and Mᵀ·A from a copy of Mᵀ made once, and the gradients, with no BLAS call (at 64², r 4
 *   BLAS's call and packing overhead is most of the time);
 * - a larger one through one pass over M in column blocks M_J (m×w, small enough for L2),
 *   where a fused kernel reads each element of M_J once and does both updates
 *   P_i· += M_ij·B_j· and Q_j· += M_ij·A_i· on r-wide rows held in registers (A, B, P, Q
 *   transposed into "panels" with r contiguous, padded to a multiple of 8). BLAS offers no
 *   such two-sided product, and with it the step reaches the limit where two thin
 *   DGEMMs a block cannot: OpenBLAS 0.3.21 reads M twice and runs its thin DGEMMs at about
 *   half its square peak here (it takes this Zen 5 for Haswell). Measured in one run, one
 *   thread, 2048², r 16, load 6.7 (CPU time): the BLAS pass 10.2 ms (26 GFLOP/s), the fused
 *   one 3.5 ms (77 GFLOP/s); 512², r 8: 0.26 ms against 0.08 ms.
 * Elsewhere the pass is P += M_J·B_J and (Mᵀ·A)_J = M_Jᵀ·A on the cached block, in
 * single-threaded BLAS calls (at these shapes OpenBLAS's own threads cost more than they
 * give: 2.5× slower at 512², r 8; measured in `make bench`). Each kernel sums in an order
 * fixed by the sizes and the CPU's kernel (so the last bits depend on the CPU, as BLAS's
 * do, and not on the thread count).
 * From APPROX_SPLIT_MNR on, the blocks are cut into a fixed number of parts that depends
 * only on m, n, r; each part sums its M·B into its own m×r slot, and the slots are added
 * in part order at the end. Threads (as many as OpenBLAS may use, at most one a part)
 * claim parts from a counter (ls_probutil_parts_run), so a thread that the scheduler holds
 * back costs at most the part it holds, and the summation order, hence every bit, never
 * depends on the thread count. Whether a split pass uses the threads at all is measured, not
 * assumed: by the problems' one timed choice (ls_probutil_threads_choose, problem_util.h), keyed by
 * the rank. Workspace: parts·m·r (fused: (parts·m + m + 2n)·r rounded up to 8), no m×n temporary
 * but the small kernel's Mᵀ (at most 1 MiB). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/config.h"
#include "approx_kernel.h"
#include "problem_util.h"

/* Largest planted singular value: with the default λ = 0.5 and decay 0.7 every
 * planted direction survives singular-value thresholding. */
#define APPROX_SIGMA1 2.0

/* Column blocks of M: m·w·r at most this (at 2048×2048, r = 16 a block is 61 columns,
 * 976 KiB; 64 columns measured 8% faster than 27 in CPU time per step). */
#define APPROX_BLOCK_MWR 2000000.0
#define APPROX_BLOCK_MIN 16
/* From this m·n·r on (8 Mflop, about 0.3 ms on one core) the pass is cut into parts and
 * threaded: below it, starting a thread costs more than half the pass saves. */
#define APPROX_SPLIT_MNR 8388608.0
/* Parts of a split pass (fewer when there are fewer blocks). */
#define APPROX_PARTS 8
/* The small kernel does all of loss_grad where the CPU has one and m·n·⌈r/4⌉, the doubles
 * its passes read from each of M and Mᵀ, is at most this (1 MiB: within L2); the fused
 * pass does larger ones. Measured, loss_grad on one thread: 256², r 8 small 30 µs, fused
 * 34; r 16: 73 against 67; 64², r 4: 1.0 against 4.5, the BLAS pass 4.5. */
#define APPROX_SMALL_READ 131072.0
/* The fused pass's column blocks (64 columns measured best of 16, 32, 64, 128) and the
 * most rows of M one kernel call covers, so that the block stays in L2 for every 8 or 16
 * columns of r. */
#define APPROX_FUSED_W 64
#define APPROX_FUSED_ROWS 2048

typedef struct {
	double half_norm2; /* ½‖M‖_F² */
	/* Workspaces, grown only when the rank grows; MBp holds parts 1.. of M·B. */
	ls_mat MB, MBp, MtA, AtA, BtB;
	ls_mat Mt; /* Mᵀ for the small kernel, made at its first use */
	/* The threads of a full split pass, chosen by its timings at this rank. */
	ls_probutil_threads thr;
	approx_kernels kern;
	/* The fused pass's panels (64-byte aligned), panel_n doubles. */
	double *panel;
	size_t panel_n;
} approx_data;

/* One pass: parts of consecutive column blocks of width w; part k sums M_J·B_J over its
 * blocks into slot k and, when Q is not NULL, writes Q_J := M_Jᵀ·A. BLAS: slot k is P for
 * k = 0, else columns (k−1)·r.. of S; fused (kern not NULL): the panels of A, B, Q (n rows)
 * and the slots (parts·m rows), rows rs apart. */
typedef struct {
	const ls_mat *M, *A, *B;
	ls_mat *P, *S, *Q;
	const approx_kernels *kern;
	double *at, *bt, *qt, *pt;
	size_t w, blocks, parts, rs;
} approx_pass;

static void approx_part_fused(approx_pass *c, size_t k)
{
	const ls_mat *M = c->M;
	size_t m = M->rows, n = M->cols, r = c->A->cols, rs = c->rs;
	size_t j0 = k * c->blocks / c->parts * c->w, j1 = (k + 1) * c->blocks / c->parts * c->w;
	double *pt = c->pt + k * m * rs;
	for (size_t j = j0; j < j1 && j < n; j += c->w) {
		size_t w = n - j < c->w ? n - j : c->w;
		double *qt = c->qt + j * rs;
		memset(qt, 0, w * rs * sizeof *qt);
		for (size_t i = 0; i < m; i += APPROX_FUSED_ROWS) {
			size_t h = m - i < APPROX_FUSED_ROWS ? m - i : APPROX_FUSED_ROWS;
			for (size_t k0 = 0; k0 < r;) {
				bool wide = c->kern->k16 && r - k0 > 8;
				(wide ? c->kern->k16
				      : c->kern->k8)(h, w, M->data + j * M->ld + i, M->ld,
						     c->at + i * rs + k0, c->bt + j * rs + k0,
						     pt + i * rs + k0, qt + k0, rs, j == j0);
				k0 += wide ? 16 : 8;
			}
		}
	}
	for (size_t col = 0; c->Q && col < r; col++)
		for (size_t j = j0; j < j1 && j < n; j++)
			LS_AT(*c->Q, j, col) = c->qt[j * rs + col];
}

static void approx_part(void *arg, size_t k)
{
	approx_pass *c = arg;
	if (c->kern) {
		approx_part_fused(c, k);
		return;
	}
	const ls_mat *M = c->M;
	int m = (int)M->rows, r = (int)c->A->cols;
	size_t n = M->cols, j0 = k * c->blocks / c->parts * c->w;
	size_t j1 = (k + 1) * c->blocks / c->parts * c->w;
	ls_mat P = k == 0 ? *c->P : ls_mat_cols(*c->S, (k - 1) * (size_t)r, (size_t)r);
	for (size_t j = j0; j < j1 && j < n; j += c->w) {
		int w = (int)(n - j < c->w ? n - j : c->w);
		const double *MJ = M->data + j * M->ld;
		cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, r, w, 1.0, MJ, (int)M->ld,
			    c->B->data + j, (int)c->B->ld, j > j0 ? 1.0 : 0.0, P.data, (int)P.ld);
		if (c->Q)
			cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, w, r, m, 1.0, MJ,
				    (int)M->ld, c->A->data, (int)c->A->ld, 0.0, c->Q->data + j,
				    (int)c->Q->ld);
	}
}

/* The column blocks' width *w and count *blocks for M (m×n) at rank r, for the fused pass
 * or the BLAS one; returns the number of parts. */
static size_t approx_layout(size_t m, size_t n, size_t r, bool fused, size_t *w, size_t *blocks)
{
	double fw = fused ? APPROX_FUSED_W
			  : APPROX_BLOCK_MWR / ((double)(m ? m : 1) * (double)(r ? r : 1));
	*w = fw < APPROX_BLOCK_MIN ? APPROX_BLOCK_MIN : fw > (double)n ? n : (size_t)fw;
	*blocks = n ? (n + *w - 1) / *w : 0;
	if ((double)m * (double)n * (double)r < APPROX_SPLIT_MNR || *blocks < 2)
		return 1;
	return *blocks < APPROX_PARTS ? *blocks : APPROX_PARTS;
}

/* y += x, len doubles, len a multiple of 8 (in eights, which GCC vectorises at -O2). */
static void approx_add(double *restrict y, const double *restrict x, size_t len)
{
	for (size_t e = 0; e < len; e += 8)
		for (size_t u = 0; u < 8; u++)
			y[e + u] += x[e + u];
}

/* The panel xt (rows rs apart) of X: row i holds X_i· and rs − cols zeros. */
static void approx_to_panel(const ls_mat *X, double *xt, size_t rs)
{
	for (size_t i = 0; i < X->rows; i++)
		for (size_t k = 0; k < rs; k++)
			xt[i * rs + k] = k < X->cols ? LS_AT(*X, i, k) : 0.0;
}

/* The fused pass's row stride of the panels at rank r, and their size in doubles. */
static size_t approx_panel_rs(size_t r)
{
	return (r + 7) / 8 * 8;
}

static size_t approx_panel_n(size_t m, size_t n, size_t r, size_t parts)
{
	return ((parts + 1) * m + 2 * n) * approx_panel_rs(r);
}

/* P := M·B and, when Q is not NULL, Q := Mᵀ·A in one blocked pass over M (see the top), on
 * up to `threads` threads as the timed choice thr keyed by the rank goes (a whole pass, Q
 * wanted, is timed; half a pass goes as last chosen); OpenBLAS must be set to one thread.
 * With kern (not NULL), the fused pass in panel (approx_panel_n doubles); else BLAS, S the
 * parts' scratch: m×(r·(parts − 1)). */
static void approx_products(const ls_mat *M, const ls_mat *A, const ls_mat *B, ls_mat *P, ls_mat *S,
			    ls_mat *Q, const approx_kernels *kern, double *panel, int threads,
			    ls_probutil_threads *thr)
{
	size_t m = M->rows, n = M->cols, r = A->cols;
	if (n == 0) {
		ls_mat_set_zero(P);
		return;
	}
	approx_pass c = { .M = M, .A = A, .B = B, .P = P, .S = S, .Q = Q, .kern = kern };
	c.parts = approx_layout(m, n, r, kern != NULL, &c.w, &c.blocks);
	if (kern) {
		c.rs = approx_panel_rs(r);
		c.at = panel;
		c.bt = c.at + m * c.rs;
		c.qt = c.bt + n * c.rs;
		c.pt = c.qt + n * c.rs;
		approx_to_panel(A, c.at, c.rs);
		approx_to_panel(B, c.bt, c.rs);
	}
	ls_probutil_parts_run_chosen(thr, r, Q != NULL, c.parts, threads, approx_part, &c);
	if (kern) {
		/* The slots in part order, as the BLAS pass adds them, a few rows at a time (the
		 * rows of slot 0 stay in L1 while the other slots stream past), then into P. */
		for (size_t i0 = 0; i0 < m; i0 += APPROX_FUSED_W) {
			size_t i1 = i0 + APPROX_FUSED_W < m ? i0 + APPROX_FUSED_W : m;
			for (size_t q = 1; q < c.parts; q++)
				approx_add(c.pt + i0 * c.rs, c.pt + (q * m + i0) * c.rs,
					   (i1 - i0) * c.rs);
			for (size_t k = 0; k < r; k++)
				for (size_t i = i0; i < i1; i++)
					LS_AT(*P, i, k) = c.pt[i * c.rs + k];
		}
		return;
	}
	for (size_t k = 1; k < c.parts; k++) {
		ls_mat Pk = ls_mat_cols(*S, (k - 1) * r, r);
		ls_mat_axpy(P, 1.0, &Pk);
	}
}

static void approx_destroy(ls_problem *p)
{
	approx_data *d = p->data;
	if (!d)
		return;
	ls_mat_free(&d->MB);
	ls_mat_free(&d->MBp);
	ls_mat_free(&d->MtA);
	ls_mat_free(&d->AtA);
	ls_mat_free(&d->BtB);
	ls_mat_free(&d->Mt);
	free(d->panel);
	free(d);
	p->data = NULL;
}

static ls_status approx_create(ls_problem *p, const ls_config *cfg, const ls_inputs *in,
			       ls_rng *rng, ls_error *err)
{
	size_t m = (size_t)cfg->m, n = (size_t)cfg->n, tr = (size_t)cfg->true_rank;
	approx_data *d = calloc(1, sizeof *d);
	if (!d)
		return ls_error_set(err, LS_ENOMEM, "approx: out of memory");
	p->data = d;
	d->kern = approx_kernels_pick();
	p->nmod = 1;
	p->shape[0] = (ls_shape){ m, n };
	p->samples = 0;
	p->alpha_exact = 1.0;
	p->beta_exact = 1.0;
	char need[64];
	snprintf(need, sizeof need, "--m %zu --n %zu", m, n);
	bool loaded;
	ls_status st = ls_probutil_input(cfg, in, LS_PARAM_target, m, n, need, &p->target, &loaded,
					 err);
	if (st == LS_OK && !loaded) {
		st = ls_mat_alloc(&p->target, m, n, err);
		if (st == LS_OK)
			st = ls_probutil_planted(rng, &p->target, tr, APPROX_SIGMA1, cfg->decay,
						 NULL, err);
	}
	if (st != LS_OK)
		return st;
	if (cfg->noise > 0.0 && !loaded)
		for (size_t j = 0; j < n; j++)
			for (size_t i = 0; i < m; i++)
				LS_AT(p->target, i, j) += cfg->noise * ls_rng_normal(rng);
	double nm = ls_mat_norm(&p->target);
	d->half_norm2 = 0.5 * nm * nm;
	return LS_OK;
}

/* f = ½‖M‖² − s⟨A, M·B⟩ + ½s²⟨AᵀA, BᵀB⟩ from ap = ⟨A, M·B⟩ and gg = ⟨AᵀA, BᵀB⟩ (see the top);
 * rounding can push the expansion below 0 when f ≈ 0, and f is a squared norm. */
static double approx_loss(const approx_data *d, double s, double ap, double gg)
{
	double f = d->half_norm2 - s * ap + 0.5 * s * s * gg;
	return f > 0.0 ? f : 0.0;
}

/* loss_grad of a small M in the CPU's small kernel: no BLAS call (see approx_kernel.c). */
static ls_status approx_small_loss_grad(approx_data *d, const ls_mat *M, const ls_mat *A,
					const ls_mat *B, double s, double *loss, ls_mat *GA,
					ls_mat *GB)
{
	size_t m = M->rows, n = M->cols, r = A->cols;
	ls_mat AtA, BtB;
	ls_status st;
	if ((st = ls_probutil_ensure(&d->AtA, r, r, &AtA, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->BtB, r, r, &BtB, NULL)) != LS_OK)
		return st;
	/* Mᵀ, once: M is fixed for the problem's life. */
	if (!d->Mt.data && ((st = ls_mat_alloc(&d->Mt, n, m, NULL)) != LS_OK ||
			    (st = ls_mat_transpose(&d->Mt, M)) != LS_OK))
		return st;
	approx_small_job job = { .m = m,
				 .n = n,
				 .r = r,
				 .M = M->data,
				 .Mt = d->Mt.data,
				 .A = A->data,
				 .B = B->data,
				 .ldm = M->ld,
				 .lda = A->ld,
				 .ldb = B->ld,
				 .s = s,
				 .AtA = AtA.data,
				 .BtB = BtB.data,
				 .GA = GA ? GA[0].data : NULL,
				 .GB = GB ? GB[0].data : NULL,
				 .ldga = GA ? GA[0].ld : 0,
				 .ldgb = GB ? GB[0].ld : 0 };
	d->kern.small(&job);
	if (loss)
		*loss = approx_loss(d, s, job.ap, job.gg);
	return LS_OK;
}

static ls_status approx_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *batch,
				  double *loss, ls_mat *GA, ls_mat *GB)
{
	(void)batch;
	approx_data *d = p->data;
	ls_status st = ls_probutil_check_factors(p, F);
	if (st != LS_OK)
		return st;
	const ls_mat *A = &F->A[0], *B = &F->B[0], *M = &p->target;
	double s = F->s[0];
	size_t m = M->rows, n = M->cols, r = A->cols;
	if (d->kern.small && n > 0 &&
	    (double)m * (double)n * (double)((r + 3) / 4) <= APPROX_SMALL_READ)
		return approx_small_loss_grad(d, M, A, B, s, loss, GA, GB);
	/* The fused pass where the CPU has a kernel (see the top); it also computes Mᵀ·A when
	 * only M·B is wanted, so that M·B has the same bits either way. */
	const approx_kernels *kern = d->kern.k8 ? &d->kern : NULL;
	size_t w, blocks, parts = approx_layout(m, n, r, kern != NULL, &w, &blocks);
	if (kern && d->panel_n < approx_panel_n(m, n, r, parts)) {
		size_t pn = approx_panel_n(m, n, r, parts);
		double *panel = aligned_alloc(64, (pn * sizeof(double) + 63) / 64 * 64);
		if (!panel)
			return LS_ENOMEM;
		free(d->panel);
		d->panel = panel;
		d->panel_n = pn;
	}
	ls_mat MB, MBp, MtA, AtA, BtB;
	if ((st = ls_probutil_ensure(&d->MB, M->rows, r, &MB, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->MBp, M->rows, kern ? 0 : r * (parts - 1), &MBp, NULL)) !=
		    LS_OK ||
	    (st = ls_probutil_ensure(&d->MtA, M->cols, r, &MtA, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->AtA, r, r, &AtA, NULL)) != LS_OK ||
	    (st = ls_probutil_ensure(&d->BtB, r, r, &BtB, NULL)) != LS_OK)
		return st;
	/* Every product here on one OpenBLAS thread: the pass threads itself, and the r-wide
	 * products after it gain nothing from threads, whose split would change their last
	 * bits with the thread count. */
	int threads = ls_blas_threads_solo();
	approx_products(M, A, B, &MB, &MBp, GB ? &MtA : NULL, kern, d->panel, threads, &d->thr);
	ls_mat_gemm(true, false, 1.0, A, A, 0.0, &AtA);
	ls_mat_gemm(true, false, 1.0, B, B, 0.0, &BtB);
	if (loss)
		*loss = approx_loss(d, s, ls_mat_dot(A, &MB), ls_mat_dot(&AtA, &BtB));
	if (GA && (st = ls_mat_copy(&GA[0], &MB)) == LS_OK)
		ls_mat_gemm(false, false, s, A, &BtB, -1.0, &GA[0]);
	if (GB && st == LS_OK && (st = ls_mat_copy(&GB[0], &MtA)) == LS_OK)
		ls_mat_gemm(false, false, s, B, &AtA, -1.0, &GB[0]);
	ls_blas_threads_restore(threads);
	return st;
}

static double approx_loss_dense(ls_problem *p, const ls_mat *X)
{
	const ls_mat *M = &p->target;
	if (ls_probutil_check_dense(p, X) != LS_OK)
		return NAN;
	double f = 0.0;
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++) {
			double e = LS_AT(X[0], i, j) - LS_AT(*M, i, j);
			f += e * e;
		}
	return 0.5 * f;
}

static ls_status approx_grad_dense(ls_problem *p, const ls_mat *X, ls_mat *G)
{
	ls_status st = ls_probutil_check_dense_all(p, X, G, NULL);
	if (st == LS_OK)
		st = ls_mat_copy(&G[0], &X[0]);
	if (st == LS_OK)
		st = ls_mat_axpy(&G[0], -1.0, &p->target);
	return st;
}

static ls_status approx_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out)
{
	ls_status st = ls_probutil_check_dense_all(p, X, H, NULL);
	if (st == LS_OK)
		st = ls_mat_copy(&out[0], &H[0]);
	return st;
}

static double approx_lipschitz(ls_problem *p)
{
	(void)p;
	return 1.0;
}

const ls_problem_type ls_problem_approx = {
	.name = "approx",
	.create = approx_create,
	.destroy = approx_destroy,
	.loss_grad = approx_loss_grad,
	.loss_dense = approx_loss_dense,
	.grad_dense = approx_grad_dense,
	.hvp_dense = approx_hvp_dense,
	.lipschitz = approx_lipschitz,
	.convex = true,
	.quadratic = true,
	.plants_true_rank = true,
};
