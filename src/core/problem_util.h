/* problem_util.h — helpers shared by the problem files (private to src/core/problem_*.c).
 *
 * Random orthonormal bases and planted low-rank matrices (MATH.md §1), the shape
 * check every loss_grad starts with, mini-batch indexing and gathering, a LoRA layer's
 * low-rank term and factor gradients without forming X, the dense residual and the input
 * Gram matrix of the data problems, forming X_k = s·A·Bᵀ for the dense paths, and
 * grow-only workspaces. */
#ifndef LORASCOPE_PROBLEM_UTIL_H
#define LORASCOPE_PROBLEM_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/inputs.h"
#include "lorascope/mat.h"
#include "lorascope/problem.h"
#include "lorascope/rng.h"
#include "lorascope/status.h"

/* Q (rows ≥ cols) := a matrix with orthonormal columns, uniformly distributed
 * (QR of a Gaussian matrix with the signs of R's diagonal made positive). */
ls_status ls_probutil_orthonormal(ls_rng *rng, ls_mat *Q, ls_error *err);

/* X := U·diag(σ)·Vᵀ with random orthonormal U (m×rank), V (n×rank) and
 * σ_i = sigma1·decay^(i-1). sigma (may be NULL) receives the rank values. */
ls_status ls_probutil_planted(ls_rng *rng, ls_mat *X, size_t rank, double sigma1, double decay,
			      double *sigma, ls_error *err);

/* LS_OK when F has p->nmod modules whose A_k, B_k have p->shape[k] rows and a
 * common rank; LS_EDIM otherwise. */
ls_status ls_probutil_check_factors(const ls_problem *p, const ls_factors *F);

/* LS_OK when every X[k] has shape p->shape[k]; LS_EDIM otherwise. */
ls_status ls_probutil_check_dense(const ls_problem *p, const ls_mat *X);

/* ls_probutil_check_dense of each of X, Y, Z that is not NULL (a dense path's point,
 * direction and output). */
ls_status ls_probutil_check_dense_all(const ls_problem *p, const ls_mat *X, const ls_mat *Y,
				      const ls_mat *Z);

/* Number of samples a batch selects (NULL: all p->samples); its j-th index. */
static inline size_t ls_probutil_batch_count(const ls_problem *p, const ls_batch *b)
{
	return b ? b->count : p->samples;
}
static inline size_t ls_probutil_batch_index(const ls_batch *b, size_t j)
{
	return b ? b->idx[j] : j;
}

/* LS_OK when every index of b is below p->samples and b is not empty; LS_EINVAL otherwise. */
ls_status ls_probutil_check_batch(const ls_problem *p, const ls_batch *b);

/* *Zb := the batch's columns of Z: Z itself for the full batch (batch NULL), else gathered
 * into the grow-only workspace Zg (Z->rows × b). */
ls_status ls_probutil_batch_inputs(const ls_mat *Z, const ls_batch *batch, ls_mat *Zg, ls_mat *Zb);

/* dst (src->rows × b) := the batch's columns of src (all of them when batch is NULL). */
ls_status ls_probutil_gather(const ls_mat *src, const ls_batch *batch, ls_mat *dst);

/* The low-rank term of a LoRA layer on inputs In, X never formed (MATH.md §1):
 * T := Bᵀ·In, Out += s·A·T. */
ls_status ls_probutil_lowrank_apply(double s, const ls_mat *A, const ls_mat *B, const ls_mat *In,
				    ls_mat *T, ls_mat *Out);

/* The factor gradients of that layer for the back-propagated R (∇f = inv·R·Inᵀ):
 * GA := inv·R·Tᵀ = ∇f·B and GB := inv·In·(AᵀR)ᵀ = ∇fᵀ·A, U (r×b) a workspace; a NULL
 * output is skipped (MATH.md §2). */
ls_status ls_probutil_lowrank_grads(double inv, const ls_mat *A, const ls_mat *R, const ls_mat *T,
				    const ls_mat *In, ls_mat *U, ls_mat *GA, ls_mat *GB);

/* R := Base + X·Z over every sample (a dense residual or logits), R a view of the grow-only
 * workspace W sized like Base. */
ls_status ls_probutil_dense_affine(ls_mat *W, const ls_mat *Base, const ls_mat *X, const ls_mat *Z,
				   ls_mat *R);

/* The extreme eigenvalues of the input Gram matrix ZZᵀ/N (N = Z->cols): *lmin, *lmax (either
 * may be NULL); Sigma (may be NULL, else n×n) receives ZZᵀ/N (LAPACK, MATH.md §9). */
ls_status ls_probutil_gram_eig(const ls_mat *Z, ls_mat *Sigma, double *lmin, double *lmax,
			       ls_error *err);

/* From a dense ∇f (G, m×n) of a one-module problem: GA[0] := G·B and GB[0] := Gᵀ·A, either
 * skipped when NULL (what loss_grad returns, MATH.md §2). */
ls_status ls_probutil_dense_factor_grads(const ls_mat *G, const ls_factors *F, ls_mat *GA,
					 ls_mat *GB);

/* X := s_k·A_k·B_kᵀ (X is m_k×n_k). */
ls_status ls_probutil_form(const ls_factors *F, size_t k, ls_mat *X);

/* A timed choice between one thread and several for a problem's split pass (approx's,
 * sensing's and the layer problems': parts on threads of their own, OpenBLAS on one).
 * Whichever the last timed call of this size found faster is taken; the other is timed again
 * after LS_PROBUTIL_PROBE calls, then after twice as many each time it loses again (at most
 * LS_PROBUTIL_PROBE_MAX): the crossover moves with the size and the machine's load (with
 * another job on the second core, approx's two threads lose at every size), and a probe of a losing
 * choice costs, more so under load (woken threads spin on the core the caller needs). No pass
 * changes its bits with the choice (parts fixed by the sizes). Zero-initialised: nothing timed yet.
 */
#define LS_PROBUTIL_PROBE 32
#define LS_PROBUTIL_PROBE_MAX 512
typedef struct {
	size_t key;  /* the size the times belong to */
	double s[2]; /* seconds of the last call on one thread [0] and on several [1] (0: none) */
	unsigned long calls; /* calls at this size */
	unsigned long next;  /* the call that re-times the choice not taken */
	unsigned long gap;   /* calls between two such probes */
	bool probing;        /* this call re-times it */
} ls_probutil_threads;

/* Whether the next timed call of size key runs on several threads. */
bool ls_probutil_threads_choose(ls_probutil_threads *t, size_t key);
/* That call took this long on the choice made. */
void ls_probutil_threads_took(ls_probutil_threads *t, bool multi, double seconds);
/* The choice an untimed call of size key makes: several threads only when timed faster. */
bool ls_probutil_threads_faster(const ls_probutil_threads *t, size_t key);
/* The seconds of the monotonic clock the choice is timed with. */
double ls_probutil_now(void);
/* Runs part(ctx, k) once for each k < parts on up to `threads` threads (the caller's one of
 * them, at most LS_PROBUTIL_PARTS_MAX), each claiming the next part from a counter: a thread
 * the scheduler holds back delays only the part it holds. The other threads are helpers kept
 * for the process (parts_run.c). A split fixed by the sizes, each part summing into its own
 * slot and the slots added in part order, gives bits that no thread count changes (approx's
 * pass, sensing's, the layer pass). OpenBLAS must be on one thread while the parts call it. */
#define LS_PROBUTIL_PARTS_MAX 8
void ls_probutil_parts_run(size_t parts, int threads, void (*part)(void *ctx, size_t k), void *ctx);
/* ls_probutil_parts_run on the threads t chooses for size key, `threads` the most allowed
 * (OpenBLAS's count; OpenBLAS itself set to one): a timed call takes
 * ls_probutil_threads_choose's choice and records its time, an untimed one takes several
 * threads only when timed faster. One part or one thread: no choice. */
void ls_probutil_parts_run_chosen(ls_probutil_threads *t, size_t key, bool timed, size_t parts,
				  int threads, void (*part)(void *ctx, size_t k), void *ctx);

/* A problem whose f depends on X through one linear layer (W0 + X)·Z, W0·Z precomputed as
 * Base (regression, classify): the owning grow-only workspaces of its loss_grad (Zg: a
 * batch's inputs; R, T = BᵀZ, U = AᵀR over the batch's samples; GAs, GBs: the parts'
 * slots of GA and GB; loss: each block's share of f). */
typedef struct {
	ls_mat Zg, R, T, U, GAs, GBs, loss;
} ls_probutil_layer_ws;

/* A layer problem's own step, on the block of samples j0.. of the batch: R holds their
 * outputs Base + s·A·(BᵀZ); replaces them by ∂f/∂outputs times the batch's size b and
 * returns the block's share of f times b. */
typedef double (*ls_probutil_layer_out)(void *ctx, ls_mat *R, size_t j0);

/* loss_grad of a layer problem in one pass over the batch's samples, X never formed
 * (MATH.md §1, §2): column blocks J small enough for L2 give T_J = BᵀZ_J,
 * R_J = Base_J + s·A·T_J, out(R_J), then their share R_J·T_Jᵀ of GA and Z_J·(AᵀR_J)ᵀ of GB
 * while Z_J and R_J are still there (whole products read Z twice and R three times). From
 * a size on the blocks are cut into parts fixed by the sizes, each summing into its own
 * slot, added in part order, run on the threads t times faster (all of OpenBLAS's calls on
 * one thread): no bit depends on the thread count. f = (1/b)·Σ out's shares in block
 * order; GA, GB (either may be NULL) scaled by 1/b. Checks F and batch. */
ls_status ls_probutil_layer_loss_grad(const ls_problem *p, const ls_factors *F,
				      const ls_batch *batch, const ls_mat *Z, const ls_mat *Base,
				      ls_probutil_layer_ws *ws, ls_probutil_threads *t,
				      ls_probutil_layer_out out, void *ctx, double *loss,
				      ls_mat *GA, ls_mat *GB);
/* The workspaces' memory back. */
void ls_probutil_layer_ws_free(ls_probutil_layer_ws *ws);

/* Grow-only workspace: make the owning W have exactly `rows` rows and at least
 * `cols` columns, reallocating (zeroed) only when it must; *view := its first
 * cols columns. Steady-state calls with the same sizes never allocate. */
ls_status ls_probutil_ensure(ls_mat *W, size_t rows, size_t cols, ls_mat *view, ls_error *err);

/* err := "--opt: " + err (a reader's and ls_matrix_expect's messages name the file); returns
 * st. err may be NULL. */
ls_status ls_probutil_prefix(ls_error *err, ls_status st, const char *opt);

struct ls_config;

/* *M := a copy of in's matrix of the file parameter id of cfg (a new owning matrix), which
 * must be rows×cols (LS_ANY: any); need says where those sizes come from ("--m 64 --n 32").
 * When the parameter is empty, *M is left alone and *loaded (may be NULL) is false; when it
 * names a file whose matrix in (may be NULL) lacks, LS_EINVAL. Errors name the option, the
 * file and both shapes: "--target: t.npy is 50×50, but --m 64 --n 64 needs 64×64" (SPEC §1
 * "loaded"). */
ls_status ls_probutil_input(const struct ls_config *cfg, const ls_inputs *in, int id, size_t rows,
			    size_t cols, const char *need, ls_mat *M, bool *loaded, ls_error *err);

/* Whether an --init-b-file matrix rows×cols is PEFT's r×n lora_A (to transpose) rather than
 * our n×r B, for n columns of X (LS_ANY: unknown): the shape decides, and when it cannot
 * (n = r, or n unknown) a .safetensors spec is PEFT's (MATH.md §2 mapping). */
bool ls_probutil_b_is_peft(const char *spec, size_t rows, size_t cols, size_t n);

/* Quadratic presets f(X) = ½·vec(X − M*)ᵀ·K·vec(X − M*) on a fixed m×n shape
 * (problem_quad.c; MATH.md §9 "loud5" and "sense2x2"). create copies K (mn×mn,
 * symmetric PSD) and M* (the target), sets nmod = 1, no samples, L = λ_max(K). */
ls_status ls_probquad_create(ls_problem *p, const ls_mat *K, const ls_mat *Mstar, ls_error *err);
void ls_probquad_destroy(ls_problem *p);
ls_status ls_probquad_loss_grad(ls_problem *p, const ls_factors *F, const ls_batch *batch,
				double *loss, ls_mat *GA, ls_mat *GB);
double ls_probquad_loss_dense(ls_problem *p, const ls_mat *X);
ls_status ls_probquad_grad_dense(ls_problem *p, const ls_mat *X, ls_mat *G);
ls_status ls_probquad_hvp_dense(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out);
double ls_probquad_lipschitz(ls_problem *p);
/* The problem type of a quadratic preset: its name, create, the fixed m×n shape and the
 * showcase rank; the rest is the engine's. */
#define LS_PROBQUAD_TYPE(name_, create_, m_, n_, showcase_)                               \
	{                                                                                 \
		.name = name_, .create = create_, .destroy = ls_probquad_destroy,         \
		.loss_grad = ls_probquad_loss_grad, .loss_dense = ls_probquad_loss_dense, \
		.grad_dense = ls_probquad_grad_dense, .hvp_dense = ls_probquad_hvp_dense, \
		.lipschitz = ls_probquad_lipschitz, .convex = true, .quadratic = true,    \
		.fixed = { m_, n_ }, .showcase_rank = showcase_                           \
	}

#endif
