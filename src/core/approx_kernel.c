/* approx_kernel.c — approx's vector kernels (approx_kernel.h): GCC vector code compiled per
 * instruction set with target attributes and picked at run time, so no -march is needed.
 *
 * The fused pass (large M; see problem_approx.c's top): each element of a column block of M
 * is read once for both P_i· += M_ij·B_j· and Q_j· += M_ij·A_i·, on r-wide rows of panels.
 *
 * The small problem's loss_grad (M within L2, r small; MATH.md §1's f and its factor
 * gradients, expanded as in problem_approx.c). At 64×64, r 4 each OpenBLAS product costs
 * more in its call, thread check and packing of M than in its 16384 multiply-adds, so this
 * does the two products, the Grams and the gradients itself, with vectors running down the
 * columns (M, A, B, P, Q are column-major: no transposes, no padding of r). Each chunk of up
 * to 4 columns of r is one pass over M, two columns at a time: P's rows are summed in place
 * in the order of j, and Q_jk = ⟨M·j, A·k⟩ is reduced from its vector in one fixed order, so
 * every bit depends only on the sizes and the CPU's kernel. */
#include <stdlib.h>
#include <string.h>

#include "approx_kernel.h"
#include "isa.h"

#if LS_ISA_X86
#define APPROX_UNROLL _Pragma("GCC unroll 16")
/* x·b + p as one FMA: GCC contracts only when told (-std=c11 turns it off), clang by
 * default within an expression. */
#ifdef __clang__
#define APPROX_CONTRACT
#else
#define APPROX_CONTRACT __attribute__((optimize("fp-contract=fast")))
#endif
/* Kernel NAME for instruction set ISA on VW-double vectors, H vectors to a chunk, row tiles
 * of IB rows: the tile's P and A rows stay in registers (2·IB·H + 2·H + 1 vectors: 29 of
 * AVX-512's 32, 13 of AVX2's 16) while j runs over the block; each tile's share of Q_j is
 * summed in registers, then added to Q_j; M is prefetched 32 rows ahead (measured 1.25×
 * at 2048²). Rows left over after the last tile go one at a time. */
#define APPROX_KERNEL(NAME, ISA, VW, H, IB)                                                 \
	typedef double NAME##_v __attribute__((vector_size(VW * 8), aligned(8)));           \
	__attribute__((target(ISA))) APPROX_CONTRACT static void NAME(                      \
		size_t m, size_t w, const double *M, size_t ld, const double *at,           \
		const double *bt, double *pt, double *qt, size_t rs, bool first)            \
	{                                                                                   \
		typedef NAME##_v v;                                                         \
		const v zero = { 0 };                                                       \
		size_t i = 0;                                                               \
		for (; i + IB <= m; i += IB) {                                              \
			v p[IB][H], a[IB][H];                                               \
			APPROX_UNROLL for (int u = 0; u < IB; u++)                          \
			{                                                                   \
				APPROX_UNROLL for (int h = 0; h < H; h++)                   \
				{                                                           \
					const double *pu = pt + (i + u) * rs + h * VW;      \
					p[u][h] = first ? zero : *(const v *)pu;            \
					a[u][h] = *(const v *)(at + (i + u) * rs + h * VW); \
				}                                                           \
			}                                                                   \
			for (size_t j = 0; j < w; j++) {                                    \
				const double *mj = M + j * ld + i;                          \
				v b[H], q[H];                                               \
				__builtin_prefetch(mj + 32);                                \
				APPROX_UNROLL for (int h = 0; h < H; h++)                   \
				{                                                           \
					b[h] = *(const v *)(bt + j * rs + h * VW);          \
					q[h] = mj[0] * a[0][h];                             \
					p[0][h] += mj[0] * b[h];                            \
				}                                                           \
				APPROX_UNROLL for (int u = 1; u < IB; u++)                  \
				{                                                           \
					double x = mj[u];                                   \
					APPROX_UNROLL for (int h = 0; h < H; h++)           \
					{                                                   \
						p[u][h] += x * b[h];                        \
						q[h] += x * a[u][h];                        \
					}                                                   \
				}                                                           \
				APPROX_UNROLL for (int h = 0; h < H; h++)                   \
				{                                                           \
					*(v *)(qt + j * rs + h * VW) += q[h];               \
				}                                                           \
			}                                                                   \
			APPROX_UNROLL for (int u = 0; u < IB; u++)                          \
			{                                                                   \
				APPROX_UNROLL for (int h = 0; h < H; h++)                   \
				{                                                           \
					*(v *)(pt + (i + u) * rs + h * VW) = p[u][h];       \
				}                                                           \
			}                                                                   \
		}                                                                           \
		for (; i < m; i++) {                                                        \
			APPROX_UNROLL for (int h = 0; h < H; h++)                           \
			{                                                                   \
				if (first)                                                  \
					*(v *)(pt + i * rs + h * VW) = zero;                \
			}                                                                   \
			for (size_t j = 0; j < w; j++) {                                    \
				double x = M[j * ld + i];                                   \
				APPROX_UNROLL for (int h = 0; h < H; h++)                   \
				{                                                           \
					const v *bj = (const v *)(bt + j * rs + h * VW);    \
					const v *ai = (const v *)(at + i * rs + h * VW);    \
					*(v *)(pt + i * rs + h * VW) += x * *bj;            \
					*(v *)(qt + j * rs + h * VW) += x * *ai;            \
				}                                                           \
			}                                                                   \
		}                                                                           \
	}

APPROX_KERNEL(approx_k512_8, "avx512f,fma", 8, 1, 8)
APPROX_KERNEL(approx_k512_16, "avx512f,fma", 8, 2, 5)
APPROX_KERNEL(approx_k256_8, "avx2,fma", 4, 2, 3)

/* One product of the small problem's loss_grad: C = X·Y (rows×r; X rows×cols, Y cols×r),
 * never stored: Out = s·Z·G − C (Z rows×r, G r×r with leading dimension r; Out NULL: not
 * written), and returns ⟨Z, C⟩. */
typedef struct {
	size_t rows, cols, r;
	const double *X, *Y, *Z, *G;
	size_t ldx, ldy, ldz, ldo;
	double s;
	double *Out;
} approx_mul;

/* Rows i ≥ i0 of approx_mul one at a time (those after the last whole vector); inlined into
 * each kernel, so that it runs in the kernel's instruction set. */
__attribute__((always_inline)) static inline double approx_mul_rows(const approx_mul *c, size_t i0)
{
	double dot = 0.0;
	for (size_t i = i0; i < c->rows; i++)
		for (size_t k = 0; k < c->r; k++) {
			double x = 0.0, o;
			for (size_t j = 0; j < c->cols; j++)
				x += c->X[j * c->ldx + i] * c->Y[j + k * c->ldy];
			dot += c->Z[k * c->ldz + i] * x;
			o = -x;
			for (size_t l = 0; l < c->r; l++)
				o += c->Z[l * c->ldz + i] * (c->s * c->G[k * c->r + l]);
			if (c->Out)
				c->Out[k * c->ldo + i] = o;
		}
	return dot;
}

/* The small problem's loss_grad (approx_small_job) on VW-double vectors, for instruction
 * set ISA; HALF(x): the sum of x's two 4-lane halves (VW 8), or x (VW 4). Each product is
 * register-blocked as in a GEMM kernel, on nv ≤ 4 vectors of rows × rc ≤ 4 columns summed
 * over j in order (M·B from M, Mᵀ·A from the copy Mᵀ: both read down columns, so neither
 * needs a reduction across lanes), then finished in registers. */
#define APPROX_SMALL(NAME, ISA, VW, HALF)                                                             \
	typedef double NAME##_v __attribute__((vector_size(VW * 8), aligned(8)));                     \
	typedef double NAME##_4 __attribute__((vector_size(32), aligned(8)));                         \
	/* The lane sums of x0..x3, in one fixed order. */                                            \
	__attribute__((target(ISA), always_inline)) static inline NAME##_4 NAME##_sum4(               \
		NAME##_v x0, NAME##_v x1, NAME##_v x2, NAME##_v x3)                                   \
	{                                                                                             \
		NAME##_4 h0 = HALF(x0), h1 = HALF(x1), h2 = HALF(x2), h3 = HALF(x3);                  \
		NAME##_4 t0 = __builtin_shufflevector(h0, h1, 0, 4, 2, 6) +                           \
			      __builtin_shufflevector(h0, h1, 1, 5, 3, 7);                            \
		NAME##_4 t1 = __builtin_shufflevector(h2, h3, 0, 4, 2, 6) +                           \
			      __builtin_shufflevector(h2, h3, 1, 5, 3, 7);                            \
		return __builtin_shufflevector(t0, t1, 0, 1, 4, 5) +                                  \
		       __builtin_shufflevector(t0, t1, 2, 3, 6, 7);                                   \
	}                                                                                             \
	/* Rows i0 ≤ i < i0 + nv·VW, columns k0 ≤ k < k0 + rc of approx_mul; ⟨Z, C⟩ there is \
	 * added to *dot. */                                                                          \
	__attribute__((target(ISA), always_inline))                                                   \
	APPROX_CONTRACT static inline void NAME##_block(const approx_mul *c, size_t i0, size_t k0,    \
							const int nv, const int rc, NAME##_v *dot)    \
	{                                                                                             \
		typedef NAME##_v v;                                                                   \
		const v zero = { 0 };                                                                 \
		v acc[4][4];                                                                          \
		APPROX_UNROLL for (int u = 0; u < nv; u++)                                            \
		{                                                                                     \
			APPROX_UNROLL for (int k = 0; k < rc; k++)                                    \
			{                                                                             \
				acc[u][k] = zero;                                                     \
			}                                                                             \
		}                                                                                     \
		const double *y = c->Y + k0 * c->ldy;                                                 \
		for (size_t j = 0; j < c->cols; j++) {                                                \
			const double *xj = c->X + j * c->ldx + i0;                                    \
			v x[4];                                                                       \
			APPROX_UNROLL for (int u = 0; u < nv; u++)                                    \
			{                                                                             \
				x[u] = *(const v *)(xj + u * VW);                                     \
			}                                                                             \
			APPROX_UNROLL for (int k = 0; k < rc; k++)                                    \
			{                                                                             \
				v yk = y[j + k * c->ldy] - zero; /* x − 0: x */                     \
				APPROX_UNROLL for (int u = 0; u < nv; u++)                            \
				{                                                                     \
					acc[u][k] += x[u] * yk;                                       \
				}                                                                     \
			}                                                                             \
		}                                                                                     \
		APPROX_UNROLL for (int k = 0; k < rc; k++)                                            \
		{                                                                                     \
			const double *g = c->G + (k0 + k) * c->r;                                     \
			APPROX_UNROLL for (int u = 0; u < nv; u++)                                    \
			{                                                                             \
				size_t i = i0 + (size_t)u * VW;                                       \
				*dot += *(const v *)(c->Z + (k0 + k) * c->ldz + i) * acc[u][k];       \
				if (!c->Out)                                                          \
					continue;                                                     \
				v o = -acc[u][k];                                                     \
				for (size_t l = 0; l < c->r; l++)                                     \
					o += *(const v *)(c->Z + l * c->ldz + i) * (c->s * g[l]);     \
				*(v *)(c->Out + (k0 + k) * c->ldo + i) = o;                           \
			}                                                                             \
		}                                                                                     \
	}                                                                                             \
	/* Columns k0 ≤ k < k0 + rc of approx_mul over the rows in whole vectors, four              \
	 * vectors at a time. */                                                                      \
	__attribute__((target(ISA), always_inline))                                                   \
	APPROX_CONTRACT static inline void NAME##_cols(const approx_mul *c, size_t k0,                \
						       const int rc, NAME##_v *dot)                   \
	{                                                                                             \
		size_t mv = c->rows / VW * VW, i0 = 0;                                                \
		for (; i0 + 4 * VW <= mv; i0 += 4 * VW)                                               \
			NAME##_block(c, i0, k0, 4, rc, dot);                                          \
		for (; i0 < mv; i0 += VW)                                                             \
			NAME##_block(c, i0, k0, 1, rc, dot);                                          \
	}                                                                                             \
	__attribute__((target(ISA))) APPROX_CONTRACT static double NAME##_mul(const approx_mul *c)    \
	{                                                                                             \
		const NAME##_v zero = { 0 };                                                          \
		NAME##_v dot = zero;                                                                  \
		for (size_t k0 = 0; k0 < c->r; k0 += 4) {                                             \
			size_t rc = c->r - k0;                                                        \
			if (rc >= 4)                                                                  \
				NAME##_cols(c, k0, 4, &dot);                                          \
			else if (rc == 3)                                                             \
				NAME##_cols(c, k0, 3, &dot);                                          \
			else if (rc == 2)                                                             \
				NAME##_cols(c, k0, 2, &dot);                                          \
			else                                                                          \
				NAME##_cols(c, k0, 1, &dot);                                          \
		}                                                                                     \
		NAME##_4 d = NAME##_sum4(dot, zero, zero, zero);                                      \
		return d[0] + approx_mul_rows(c, c->rows / VW * VW);                                  \
	}                                                                                             \
	/* G (r×r, leading dimension r) := XᵀX for X (rows×r), four entries of a row at a         \
	 * time (those past the diagonal on column k again, and dropped). */                          \
	__attribute__((target(ISA))) APPROX_CONTRACT static void NAME##_gram(                         \
		size_t rows, size_t r, const double *X, size_t ldx, double *G)                        \
	{                                                                                             \
		typedef NAME##_v v;                                                                   \
		size_t mv = rows / VW * VW;                                                           \
		for (size_t k = 0; k < r; k++)                                                        \
			for (size_t l0 = 0; l0 <= k; l0 += 4) {                                       \
				const double *xk = X + k * ldx, *xl[4];                               \
				v acc[4] = { { 0 } };                                                 \
				double t[4] = { 0 };                                                  \
				for (size_t u = 0; u < 4; u++)                                        \
					xl[u] = X + (l0 + u <= k ? l0 + u : k) * ldx;                 \
				for (size_t i = 0; i < mv; i += VW) {                                 \
					v a = *(const v *)(xk + i);                                   \
					APPROX_UNROLL for (int u = 0; u < 4; u++)                     \
					{                                                             \
						acc[u] += a * *(const v *)(xl[u] + i);                \
					}                                                             \
				}                                                                     \
				for (size_t i = mv; i < rows; i++)                                    \
					for (int u = 0; u < 4; u++)                                   \
						t[u] += xk[i] * xl[u][i];                             \
				NAME##_4 g = NAME##_sum4(acc[0], acc[1], acc[2], acc[3]);             \
				for (size_t u = 0; u < 4 && l0 + u <= k; u++)                         \
					G[k * r + l0 + u] = G[(l0 + u) * r + k] = g[u] + t[u];        \
			}                                                                             \
	}                                                                                             \
	__attribute__((target(ISA))) static void NAME(approx_small_job *J)                            \
	{                                                                                             \
		size_t r = J->r;                                                                      \
		NAME##_gram(J->m, r, J->A, J->lda, J->AtA);                                           \
		NAME##_gram(J->n, r, J->B, J->ldb, J->BtB);                                           \
		J->gg = 0.0;                                                                          \
		for (size_t e = 0; e < r * r; e++)                                                    \
			J->gg += J->AtA[e] * J->BtB[e];                                               \
		approx_mul p = { .rows = J->m,                                                        \
				 .cols = J->n,                                                        \
				 .r = r,                                                              \
				 .X = J->M,                                                           \
				 .ldx = J->ldm,                                                       \
				 .Y = J->B,                                                           \
				 .ldy = J->ldb,                                                       \
				 .Z = J->A,                                                           \
				 .ldz = J->lda,                                                       \
				 .G = J->BtB,                                                         \
				 .s = J->s,                                                           \
				 .Out = J->GA,                                                        \
				 .ldo = J->ldga };                                                    \
		J->ap = NAME##_mul(&p);                                                               \
		if (J->GB) {                                                                          \
			approx_mul q = { .rows = J->n,                                                \
					 .cols = J->m,                                                \
					 .r = r,                                                      \
					 .X = J->Mt,                                                  \
					 .ldx = J->n,                                                 \
					 .Y = J->A,                                                   \
					 .ldy = J->lda,                                               \
					 .Z = J->B,                                                   \
					 .ldz = J->ldb,                                               \
					 .G = J->AtA,                                                 \
					 .s = J->s,                                                   \
					 .Out = J->GB,                                                \
					 .ldo = J->ldgb };                                            \
			NAME##_mul(&q);                                                               \
		}                                                                                     \
		/* Clean upper halves for the caller's SSE code (measured: without this, the          \
		 * optimiser's update after loss_grad took 3× as long). */                           \
		__builtin_ia32_vzeroupper();                                                          \
	}

#define APPROX_HALF8(x) \
	(__builtin_shufflevector(x, x, 0, 1, 2, 3) + __builtin_shufflevector(x, x, 4, 5, 6, 7))
#define APPROX_HALF4(x) (x)
APPROX_SMALL(approx_s512, "avx512f,fma", 8, APPROX_HALF8)
APPROX_SMALL(approx_s256, "avx2,fma", 4, APPROX_HALF4)
#endif

approx_kernels approx_kernels_pick(void)
{
#if LS_ISA_X86
	const char *want = getenv("LORASCOPE_KERNEL");
	bool any = !want || !*want;
	if ((any || !strcmp(want, "avx512")) && __builtin_cpu_supports("avx512f"))
		return (approx_kernels){ approx_k512_8, approx_k512_16, approx_s512 };
	if ((any || !strcmp(want, "avx512") || !strcmp(want, "avx2")) &&
	    __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return (approx_kernels){ approx_k256_8, NULL, approx_s256 };
#endif
	return (approx_kernels){ NULL, NULL, NULL };
}
