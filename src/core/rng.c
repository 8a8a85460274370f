/* rng.c — xoshiro256** with splitmix64 seeding; uniform, bounded and normal draws. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "lorascope/rng.h"

/* From this many entries on, ls_rng_fill_normal transforms on several threads (sensing's
 * measurements: 10⁷ entries, 0.3 s on one core, most of it log and cos). */
#define FILL_PAR_MIN ((size_t)1 << 20)
/* Entries whose uniforms are drawn ahead at a time (2 doubles each: 4 MiB). */
#define FILL_CHUNK ((size_t)1 << 18)
#define FILL_THREADS 8

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void ls_rng_seed(ls_rng *rng, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

uint64_t ls_rng_u64(ls_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double ls_rng_uniform(ls_rng *rng)
{
	return (double)(ls_rng_u64(rng) >> 11) * 0x1.0p-53 + 0x1.0p-54;
}

uint64_t ls_rng_below(ls_rng *rng, uint64_t n)
{
	/* Rejection of the short top bucket keeps every value equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = ls_rng_u64(rng);
	while (x >= limit);
	return x % n;
}

double ls_rng_normal(ls_rng *rng)
{
	double u1 = ls_rng_uniform(rng), u2 = ls_rng_uniform(rng);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Box–Muller on pairs u[2k], u[2k + 1] drawn in order: entries [k0, k1) of a chunk whose
 * first entry is the matrix's entry `base` (column-major). */
typedef struct {
	const double *u;
	ls_mat *M;
	size_t base, k0, k1;
	double mean, std;
} fill_part;

static void *fill_transform(void *arg)
{
	fill_part *f = arg;
	size_t rows = f->M->rows, i = (f->base + f->k0) % rows, j = (f->base + f->k0) / rows;
	for (size_t k = f->k0; k < f->k1; k++) {
		double u1 = f->u[2 * k], u2 = f->u[2 * k + 1];
		double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
		LS_AT(*f->M, i, j) = f->mean + f->std * z;
		if (++i == rows) {
			i = 0;
			j++;
		}
	}
	return NULL;
}

/* Large fills: the uniforms, sequential by nature, are drawn a chunk at a time in the order
 * ls_rng_normal draws them; the transform, where the time goes, is cut over the processors.
 * Each entry is the same expression of the same two uniforms: the same bits as one at a
 * time, whatever the thread count. */
static bool fill_parallel(ls_rng *rng, ls_mat *M, double mean, double std)
{
	size_t len = M->rows * M->cols;
	long procs = sysconf(_SC_NPROCESSORS_ONLN);
	size_t t = procs > FILL_THREADS ? FILL_THREADS : procs > 1 ? (size_t)procs : 1;
	/* Two buffers: the next chunk's uniforms are drawn while this one's are transformed. */
	double *buf = t > 1 ? malloc(4 * FILL_CHUNK * sizeof *buf) : NULL;
	if (!buf)
		return false;
	double *u = buf, *next = buf + 2 * FILL_CHUNK;
	size_t c = len < FILL_CHUNK ? len : FILL_CHUNK;
	for (size_t k = 0; k < 2 * c; k++)
		u[k] = ls_rng_uniform(rng);
	for (size_t base = 0; base < len; base += c) {
		c = len - base < FILL_CHUNK ? len - base : FILL_CHUNK;
		fill_part parts[FILL_THREADS];
		pthread_t th[FILL_THREADS];
		size_t started = 0;
		for (size_t p = 0; p < t; p++)
			parts[p] = (fill_part){ u, M, base, p * c / t, (p + 1) * c / t, mean, std };
		for (size_t p = 1; p < t; p++, started++)
			if (pthread_create(&th[p], NULL, fill_transform, &parts[p]) != 0)
				break;
		size_t cn = len - base - c < FILL_CHUNK ? len - base - c : FILL_CHUNK;
		for (size_t k = 0; k < 2 * cn; k++)
			next[k] = ls_rng_uniform(rng);
		fill_transform(&parts[0]);
		for (size_t p = 1; p <= started; p++)
			pthread_join(th[p], NULL);
		for (size_t p = started + 1; p < t; p++)
			fill_transform(&parts[p]);
		double *done = u;
		u = next;
		next = done;
	}
	free(buf);
	return true;
}

void ls_rng_fill_normal(ls_rng *rng, ls_mat *M, double mean, double std)
{
	if (M->rows * M->cols >= FILL_PAR_MIN && fill_parallel(rng, M, mean, std))
		return;
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++)
			LS_AT(*M, i, j) = mean + std * ls_rng_normal(rng);
}

void ls_rng_fill_uniform(ls_rng *rng, ls_mat *M, double lo, double hi)
{
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++)
			LS_AT(*M, i, j) = lo + (hi - lo) * ls_rng_uniform(rng);
}
