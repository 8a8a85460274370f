/* mat.c — column-major matrices: allocation, views, and shape-checked CBLAS/LAPACKE wrappers. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cblas.h>
#include <lapacke.h>

#include "isa.h"
#include "lorascope/mat.h"

static size_t mem_set;   /* ls_mem_set_limit's value, 0 for the default */
static size_t mem_avail; /* the default, read once */
static pthread_once_t mem_once = PTHREAD_ONCE_INIT;

static void read_mem_available(void)
{
	mem_avail = SIZE_MAX;
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return;
	char line[128];
	unsigned long long kb;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			if (kb < SIZE_MAX / 1024)
				mem_avail = (size_t)kb * 1024;
			break;
		}
	fclose(f);
}

size_t ls_mem_limit(void)
{
	if (mem_set)
		return mem_set;
	pthread_once(&mem_once, read_mem_available);
	return mem_avail;
}

void ls_mem_set_limit(size_t bytes)
{
	mem_set = bytes;
}

/* Transparent huge pages asked for the 2 MiB-aligned inside of a large block: a fresh page
 * costs a fault (a few µs in a VM), so sensing's 80 MB of measurements took ~20000 faults
 * before its first frame; with 2 MiB pages, 40. Only a hint: the kernel may say no. */
#define HUGE_PAGE ((size_t)2 << 20)
static void hugepages(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	if (bytes < 2 * HUGE_PAGE)
		return;
	uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t e = ((uintptr_t)p + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
	if (e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)bytes;
#endif
}

ls_status ls_mat_alloc(ls_mat *M, size_t rows, size_t cols, ls_error *err)
{
	*M = (ls_mat){
		.rows = rows, .cols = cols, .ld = rows ? rows : 1, .data = NULL, .owner = true
	};
	if (rows && cols > LS_MAT_MAX_ELEMS / rows)
		return ls_error_set(err, LS_ETOOBIG, "matrix %zu×%zu exceeds the size limit", rows,
				    cols);
	size_t n = rows * cols;
	if (n > ls_mem_limit() / sizeof(double))
		return ls_error_set(
			err, LS_ETOOBIG, "a %zu×%zu matrix needs %.3g GB, more than the %.3g GB %s",
			rows, cols, (double)n * sizeof(double) / 1e9, (double)ls_mem_limit() / 1e9,
			mem_set ? "allowed (--max-memory)" : "of memory available");
	M->data = calloc(n ? n : 1, sizeof(double));
	if (!M->data) {
		M->owner = false;
		return ls_error_set(err, LS_ENOMEM, "cannot allocate a %zu×%zu matrix", rows, cols);
	}
	hugepages(M->data, n * sizeof(double));
	return LS_OK;
}

void ls_mat_free(ls_mat *M)
{
	if (M->owner)
		free(M->data);
	*M = (ls_mat){ 0 };
}

ls_status ls_mat_realloc(ls_mat *M, size_t rows, size_t cols, ls_error *err)
{
	ls_mat_free(M);
	return ls_mat_alloc(M, rows, cols, err);
}

ls_mat ls_mat_view(double *data, size_t rows, size_t cols, size_t ld)
{
	return (ls_mat){
		.rows = rows, .cols = cols, .ld = ld ? ld : 1, .data = data, .owner = false
	};
}

ls_mat ls_mat_cols(ls_mat M, size_t j0, size_t ncols)
{
	return ls_mat_view(M.data + j0 * M.ld, M.rows, ncols, M.ld);
}

ls_mat ls_mat_block(ls_mat M, size_t i0, size_t j0, size_t rows, size_t cols)
{
	return ls_mat_view(M.data + i0 + j0 * M.ld, rows, cols, M.ld);
}

bool ls_mat_same_shape(const ls_mat *A, const ls_mat *B)
{
	return A->rows == B->rows && A->cols == B->cols;
}

ls_status ls_mat_copy(ls_mat *dst, const ls_mat *src)
{
	if (!ls_mat_same_shape(dst, src))
		return LS_EDIM;
	if (dst->data == src->data)
		return LS_OK;
	for (size_t j = 0; j < src->cols; j++)
		memcpy(dst->data + j * dst->ld, src->data + j * src->ld,
		       src->rows * sizeof(double));
	return LS_OK;
}

void ls_mat_set_zero(ls_mat *M)
{
	for (size_t j = 0; j < M->cols; j++)
		memset(M->data + j * M->ld, 0, M->rows * sizeof(double));
}

void ls_mat_set_identity(ls_mat *M)
{
	ls_mat_set_zero(M);
	for (size_t i = 0; i < M->rows && i < M->cols; i++)
		LS_AT(*M, i, i) = 1.0;
}

void ls_mat_scale(ls_mat *M, double a)
{
	for (size_t j = 0; j < M->cols; j++)
		cblas_dscal((int)M->rows, a, M->data + j * M->ld, 1);
}

ls_status ls_mat_axpy(ls_mat *Y, double a, const ls_mat *X)
{
	if (!ls_mat_same_shape(Y, X))
		return LS_EDIM;
	for (size_t j = 0; j < X->cols; j++)
		cblas_daxpy((int)X->rows, a, X->data + j * X->ld, 1, Y->data + j * Y->ld, 1);
	return LS_OK;
}

double ls_mat_dot(const ls_mat *A, const ls_mat *B)
{
	if (!ls_mat_same_shape(A, B))
		return 0.0;
	double s = 0.0;
	for (size_t j = 0; j < A->cols; j++)
		s += cblas_ddot((int)A->rows, A->data + j * A->ld, 1, B->data + j * B->ld, 1);
	return s;
}

double ls_mat_norm(const ls_mat *M)
{
	if (M->rows == 0 || M->cols == 0)
		return 0.0;
	if (M->ld == M->rows)
		return cblas_dnrm2((int)(M->rows * M->cols), M->data, 1);
	/* Column by column with scaling, as dnrm2 does, to avoid overflow. */
	double scale = 0.0, ssq = 1.0;
	for (size_t j = 0; j < M->cols; j++) {
		double c = cblas_dnrm2((int)M->rows, M->data + j * M->ld, 1);
		if (c == 0.0)
			continue;
		if (scale < c) {
			ssq = 1.0 + ssq * (scale / c) * (scale / c);
			scale = c;
		} else {
			ssq += (c / scale) * (c / scale);
		}
	}
	return scale * sqrt(ssq);
}

double ls_mat_trace(const ls_mat *M)
{
	double t = 0.0;
	for (size_t i = 0; i < M->rows && i < M->cols; i++)
		t += LS_AT(*M, i, i);
	return t;
}

LS_ISA_CLONES bool ls_mat_isfinite(const ls_mat *M)
{
	/* x − x is +0 for a finite x and NaN for Inf or NaN: one branch-free pass a column in
	 * four lanes (the session checks its factors every step; the bit test this replaces
	 * was not vectorised and took a sixth of a 64², r 4 step). */
	typedef double v4 __attribute__((vector_size(32), aligned(8)));
	for (size_t j = 0; j < M->cols; j++) {
		const double *x = M->data + j * M->ld;
		v4 z = { 0.0, 0.0, 0.0, 0.0 };
		double t = 0.0;
		size_t i = 0;
		for (; i + 4 <= M->rows; i += 4) {
			v4 v = *(const v4 *)(x + i);
			z += v - v;
		}
		for (; i < M->rows; i++)
			t += x[i] - x[i];
		if ((z[0] + z[1]) + (z[2] + z[3]) + t != 0.0)
			return false;
	}
	return true;
}

ls_status ls_mat_transpose(ls_mat *B, const ls_mat *M)
{
	if (B->rows != M->cols || B->cols != M->rows)
		return LS_EDIM;
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++)
			LS_AT(*B, j, i) = LS_AT(*M, i, j);
	return LS_OK;
}

int ls_blas_threads_solo(void)
{
	int threads = openblas_get_num_threads();
	if (threads > 1)
		openblas_set_num_threads(1);
	return threads;
}

void ls_blas_threads_restore(int threads)
{
	if (threads > 1)
		openblas_set_num_threads(threads);
}

ls_status ls_mat_gemm(bool ta, bool tb, double alpha, const ls_mat *A, const ls_mat *B, double beta,
		      ls_mat *C)
{
	size_t m = ta ? A->cols : A->rows, k = ta ? A->rows : A->cols;
	size_t kb = tb ? B->cols : B->rows, n = tb ? B->rows : B->cols;
	if (k != kb || C->rows != m || C->cols != n)
		return LS_EDIM;
	if (m == 0 || n == 0)
		return LS_OK;
	if (k == 0) {
		ls_mat_scale(C, beta);
		return LS_OK;
	}
	cblas_dgemm(CblasColMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		    (int)m, (int)n, (int)k, alpha, A->data, (int)A->ld, B->data, (int)B->ld, beta,
		    C->data, (int)C->ld);
	return LS_OK;
}

ls_status ls_mat_gemv(bool ta, double alpha, const ls_mat *A, const double *x, double beta,
		      double *y)
{
	if (A->rows == 0 || A->cols == 0)
		return LS_OK;
	cblas_dgemv(CblasColMajor, ta ? CblasTrans : CblasNoTrans, (int)A->rows, (int)A->cols,
		    alpha, A->data, (int)A->ld, x, 1, beta, y, 1);
	return LS_OK;
}

/* dgesdd on OpenBLAS's threads (a fixed size rule: the bits are the same either way, gemm
 * splitting its output, never a sum): two threads lost at every size up to 512² here (the
 * full SVD of 128²: 4.0 ms against 1.9 on one; 512²: 79 ms against 70) and gained 4% at
 * 1024²; below LS_SVD_SOLO_BELOW entries it runs on one. Returns what
 * ls_blas_threads_restore takes back. */
#define LS_SVD_SOLO_BELOW (1024.0 * 1024.0)
static int svd_threads(const ls_mat *A)
{
	return (double)A->rows * (double)A->cols < LS_SVD_SOLO_BELOW ? ls_blas_threads_solo() : 0;
}

ls_status ls_mat_svd_values(ls_mat *A, double *s, ls_error *err)
{
	if (A->rows == 0 || A->cols == 0)
		return LS_OK;
	int threads = svd_threads(A);
	lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (lapack_int)A->rows,
					 (lapack_int)A->cols, A->data, (lapack_int)A->ld, s, NULL,
					 1, NULL, 1);
	ls_blas_threads_restore(threads);
	if (info != 0)
		return ls_error_set(err, LS_ENUMERIC, "SVD failed (dgesdd info %d)", (int)info);
	return LS_OK;
}

ls_status ls_mat_svd(ls_mat *A, double *s, ls_mat *U, ls_mat *Vt, ls_error *err)
{
	size_t k = A->rows < A->cols ? A->rows : A->cols;
	if (U->rows != A->rows || U->cols != k || Vt->rows != k || Vt->cols != A->cols)
		return ls_error_set(err, LS_EDIM, "SVD output shapes do not match the input");
	if (k == 0)
		return LS_OK;
	int threads = svd_threads(A);
	lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)A->rows,
					 (lapack_int)A->cols, A->data, (lapack_int)A->ld, s,
					 U->data, (lapack_int)U->ld, Vt->data, (lapack_int)Vt->ld);
	ls_blas_threads_restore(threads);
	if (info != 0)
		return ls_error_set(err, LS_ENUMERIC, "SVD failed (dgesdd info %d)", (int)info);
	return LS_OK;
}

ls_status ls_mat_qr(ls_mat *A, ls_mat *R, ls_error *err)
{
	size_t m = A->rows, n = A->cols;
	if (m < n || R->rows != n || R->cols != n)
		return ls_error_set(err, LS_EDIM, "QR needs a tall matrix and an n×n R");
	if (n == 0)
		return LS_OK;
	double tau_small[64];
	double *tau = n <= 64 ? tau_small : malloc(n * sizeof *tau);
	if (!tau)
		return ls_error_set(err, LS_ENOMEM, "QR workspace");
	lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, A->data,
					 (lapack_int)A->ld, tau);
	if (info == 0) {
		ls_mat_set_zero(R);
		for (size_t j = 0; j < n; j++)
			for (size_t i = 0; i <= j; i++)
				LS_AT(*R, i, j) = LS_AT(*A, i, j);
		info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)n,
				      A->data, (lapack_int)A->ld, tau);
	}
	if (tau != tau_small)
		free(tau);
	if (info != 0)
		return ls_error_set(err, LS_ENUMERIC, "QR failed (info %d)", (int)info);
	return LS_OK;
}

ls_status ls_mat_sym_eig(ls_mat *S, double *w, bool vectors, ls_error *err)
{
	if (S->rows != S->cols)
		return ls_error_set(err, LS_EDIM, "eigenvalues need a square matrix");
	if (S->rows == 0)
		return LS_OK;
	lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, vectors ? 'V' : 'N', 'U',
					 (lapack_int)S->rows, S->data, (lapack_int)S->ld, w);
	if (info != 0)
		return ls_error_set(err, LS_ENUMERIC, "symmetric eigensolver failed (info %d)",
				    (int)info);
	return LS_OK;
}

ls_status ls_tridiag_extremes(const double *d, const double *e, size_t n, double ext[2],
			      double last[2], ls_error *err)
{
	if (n == 1) {
		ext[0] = ext[1] = d[0];
		last[0] = last[1] = 1.0;
		return LS_OK;
	}
	lapack_int nn = (lapack_int)n, found = 0, nsplit = 0, info = 0;
	lapack_int *iblock = malloc(n * sizeof *iblock), *isplit = malloc(n * sizeof *isplit);
	/* LAPACKE_dstein checks all n entries of its eigenvalue array for NaN: each call gets
	 * its own, zeros after the one eigenvalue. */
	double *w = calloc(2 * n, sizeof *w), *z = malloc(2 * n * sizeof *z);
	lapack_int ifail[2];
	ls_status st = LS_OK;
	if (!iblock || !isplit || !w || !z) {
		st = ls_error_set(err, LS_ENOMEM, "tridiagonal eigenvalues of order %zu", n);
		goto done;
	}
	/* One eigenvalue a call each way: dstein wants its eigenvalues in block order. */
	for (int k = 0; k < 2 && info == 0; k++) {
		lapack_int il = k == 0 ? 1 : nn, m = 0;
		info = LAPACKE_dstebz('I', 'B', nn, 0.0, 0.0, il, il, 0.0, d, e, &m, &nsplit,
				      w + k * n, iblock + k, isplit);
		if (info == 0 && m == 1)
			info = LAPACKE_dstein(LAPACK_COL_MAJOR, nn, d, e, 1, w + k * n, iblock + k,
					      isplit, z + k * n, nn, ifail + k);
		found += m;
	}
	if (info != 0 || found != 2) {
		st = ls_error_set(err, LS_ENUMERIC, "tridiagonal eigensolver failed (info %d)",
				  (int)info);
		goto done;
	}
	ext[0] = w[0];
	ext[1] = w[n];
	last[0] = z[n - 1];
	last[1] = z[2 * n - 1];
done:
	free(iblock);
	free(isplit);
	free(w);
	free(z);
	return st;
}
