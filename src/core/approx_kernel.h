/* approx_kernel.h — approx's vector kernels (private to problem_approx.c): the fused pass of
 * a large M, and the whole of loss_grad for a small one, each in GCC vector code built per
 * instruction set and picked at run time (x86-64 with AVX-512F or AVX2+FMA; elsewhere none,
 * and problem_approx.c uses BLAS). */
#ifndef LORASCOPE_APPROX_KERNEL_H
#define LORASCOPE_APPROX_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

/* One fused kernel call on a chunk of 8 or 16 of the r columns: over rows i < m and block
 * columns j < w, P_i· += Σ_j M_ij·B_j· (j in order; P_i· := when first) and
 * Q_j· += Σ_i M_ij·A_i·, where X_i· is the chunk of row i of the panel xt (rows rs apart). */
typedef void approx_kernel(size_t m, size_t w, const double *M, size_t ld, const double *at,
			   const double *bt, double *pt, double *qt, size_t rs, bool first);

/* The small problem's loss_grad, all but ½‖M‖²: M (m×n), A (m×r), B (n×r) column-major with
 * leading dimensions, and Mt = Mᵀ (n×m, leading dimension n). AtA and BtB (r×r, leading
 * dimension r) are written; then GA = s·A·(BᵀB) − M·B and, when GB is not NULL,
 * GB = s·B·(AᵀA) − Mᵀ·A (GA NULL: not written); ap = ⟨A, M·B⟩ and gg = ⟨AᵀA, BᵀB⟩ for f. */
typedef struct {
	size_t m, n, r;
	const double *M, *Mt, *A, *B;
	size_t ldm, lda, ldb;
	double s;
	double *AtA, *BtB;
	double *GA, *GB;
	size_t ldga, ldgb;
	double ap, gg;
} approx_small_job;

typedef void approx_small(approx_small_job *job);

/* The kernels the CPU has (NULL: none): the fused pass on chunks of 8 and of 16 columns,
 * and the small problem's loss_grad. */
typedef struct {
	approx_kernel *k8, *k16;
	approx_small *small;
} approx_kernels;

/* The best kernels the CPU has, or at most those LORASCOPE_KERNEL names ("blas": none,
 * "avx2", "avx512"; for comparisons and for the tests of each kernel on one machine). */
approx_kernels approx_kernels_pick(void);

#endif
