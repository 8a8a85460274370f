/* rng.c — xoshiro256** with splitmix64 seeding; uniform, bounded and normal draws. */
#include <math.h>

#include "lorascope/rng.h"

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

void ls_rng_fill_normal(ls_rng *rng, ls_mat *M, double mean, double std)
{
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
