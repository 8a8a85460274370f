/* mat.h — dense column-major matrices with a leading dimension, on CBLAS/LAPACKE.
 *
 * An ls_mat is a small value: {rows, cols, ld, data, owner}. Owning matrices come
 * from ls_mat_alloc() and are released with ls_mat_free(); views (ls_mat_view,
 * ls_mat_cols) share storage and must not be freed. Element (i, j) lives at
 * data[i + j*ld]. Every wrapper checks shapes before calling BLAS/LAPACK and
 * returns LS_EDIM on a mismatch; nothing here prints or aborts. */
#ifndef LORASCOPE_MAT_H
#define LORASCOPE_MAT_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/status.h"

typedef struct {
	size_t rows, cols, ld;
	double *data;
	bool owner;
} ls_mat;

/* Largest element count ls_mat_alloc accepts (2^31 doubles = 16 GiB): larger
 * requests are refused with LS_ETOOBIG before any allocation. */
#define LS_MAT_MAX_ELEMS ((size_t)1 << 31)

#define LS_AT(M, i, j) ((M).data[(size_t)(i) + (size_t)(j) * (M).ld])

/* Allocate a zero-filled rows×cols matrix (ld = rows). 0×k and k×0 are allowed. A matrix
 * larger than ls_mem_limit() is refused with LS_ETOOBIG before anything is allocated. */
ls_status ls_mat_alloc(ls_mat *M, size_t rows, size_t cols, ls_error *err);

/* The memory guard of ls_mat_alloc: bytes one matrix may take. By default the memory the
 * system reports available when first asked (MemAvailable in /proc/meminfo; SIZE_MAX where it
 * is unknown); ls_mem_set_limit sets it (the front-ends' --max-memory; 0 restores the
 * default). Set it before starting threads. */
size_t ls_mem_limit(void);
void ls_mem_set_limit(size_t bytes);
/* Free an owning matrix and reset it to empty; a no-op on views and empty matrices. */
void ls_mat_free(ls_mat *M);
/* Resize an owning matrix to rows×cols (contents zeroed). */
ls_status ls_mat_realloc(ls_mat *M, size_t rows, size_t cols, ls_error *err);

/* A non-owning view of caller storage. */
ls_mat ls_mat_view(double *data, size_t rows, size_t cols, size_t ld);
/* A view of columns j0 .. j0+ncols-1 of M (caller guarantees the range). */
ls_mat ls_mat_cols(ls_mat M, size_t j0, size_t ncols);
/* A view of the block starting at (i0, j0) of size rows×cols. */
ls_mat ls_mat_block(ls_mat M, size_t i0, size_t j0, size_t rows, size_t cols);

bool ls_mat_same_shape(const ls_mat *A, const ls_mat *B);

/* dst := src (same shape). */
ls_status ls_mat_copy(ls_mat *dst, const ls_mat *src);
void ls_mat_set_zero(ls_mat *M);
void ls_mat_set_identity(ls_mat *M);
/* M := a·M */
void ls_mat_scale(ls_mat *M, double a);
/* Y := Y + a·X (same shape). */
ls_status ls_mat_axpy(ls_mat *Y, double a, const ls_mat *X);
/* Frobenius inner product ⟨A, B⟩ = Σ A_ij B_ij (same shape; 0 on mismatch). */
double ls_mat_dot(const ls_mat *A, const ls_mat *B);
/* Frobenius norm ‖M‖_F. */
double ls_mat_norm(const ls_mat *M);
/* Trace of a square matrix (sum of the diagonal of the leading square block). */
double ls_mat_trace(const ls_mat *M);
/* true when every element is finite. */
bool ls_mat_isfinite(const ls_mat *M);
/* B := Mᵀ (B must be cols×rows). */
ls_status ls_mat_transpose(ls_mat *B, const ls_mat *M);

/* OpenBLAS on one thread until ls_blas_threads_restore(the returned count): tall, thin
 * products and QRs gain nothing from threads, and waking the pool leaves its threads
 * spinning on the cores other work then wants. */
int ls_blas_threads_solo(void);
void ls_blas_threads_restore(int threads);

/* C := alpha·op(A)·op(B) + beta·C, op = transpose when ta/tb is true (dgemm). */
ls_status ls_mat_gemm(bool ta, bool tb, double alpha, const ls_mat *A, const ls_mat *B, double beta,
		      ls_mat *C);
/* y := alpha·op(A)·x + beta·y (dgemv); x and y are vectors of the right length. */
ls_status ls_mat_gemv(bool ta, double alpha, const ls_mat *A, const double *x, double beta,
		      double *y);

/* Singular values of A, descending, into s[min(rows, cols)]. A is overwritten. */
ls_status ls_mat_svd_values(ls_mat *A, double *s, ls_error *err);
/* Thin SVD A = U·diag(s)·Vᵀ. A (m×n, k = min(m,n)) is overwritten; U is m×k,
 * Vt is k×n, s has k entries, descending. */
ls_status ls_mat_svd(ls_mat *A, double *s, ls_mat *U, ls_mat *Vt, ls_error *err);
/* Thin QR of A (m×n, m ≥ n): A is overwritten by Q (m×n, orthonormal columns),
 * R (n×n) receives the upper triangle. */
ls_status ls_mat_qr(ls_mat *A, ls_mat *R, ls_error *err);
/* Eigenvalues (ascending) of the symmetric matrix S (upper triangle read); S is
 * overwritten by the eigenvectors when vectors is true. */
ls_status ls_mat_sym_eig(ls_mat *S, double *w, bool vectors, ls_error *err);
/* The lowest and highest eigenvalues ext[0] ≤ ext[1] of the symmetric tridiagonal matrix with
 * diagonal d (n) and off-diagonal e (n − 1), and the last entries last[0], last[1] of their
 * unit eigenvectors (bisection and inverse iteration: O(n)). */
ls_status ls_tridiag_extremes(const double *d, const double *e, size_t n, double ext[2],
			      double last[2], ls_error *err);

#endif
