/* rng.h — the one random generator: xoshiro256** (Blackman & Vigna), seeded by splitmix64.
 *
 * Its whole state is four 64-bit words, so a snapshot saves it exactly and the same
 * seed gives the same run bit for bit on every machine. Draws:
 *   ls_rng_u64      the raw 64-bit output;
 *   ls_rng_uniform  (u64 >> 11)·2⁻⁵³ + 2⁻⁵⁴, a double strictly inside (0, 1);
 *   ls_rng_normal   Box–Muller from two uniforms, one normal per call (no cached spare,
 *                   so the state stays four words). */
#ifndef LORASCOPE_RNG_H
#define LORASCOPE_RNG_H

#include <stdint.h>

#include "lorascope/mat.h"

typedef struct {
	uint64_t s[4];
} ls_rng;

/* Seed from one 64-bit value through splitmix64 (any seed, including 0, is valid). */
void ls_rng_seed(ls_rng *rng, uint64_t seed);
uint64_t ls_rng_u64(ls_rng *rng);
double ls_rng_uniform(ls_rng *rng);
/* Uniform integer in [0, n) without modulo bias; n ≥ 1. */
uint64_t ls_rng_below(ls_rng *rng, uint64_t n);
/* Standard normal N(0, 1). */
double ls_rng_normal(ls_rng *rng);

/* Fill M column by column with N(mean, std²). */
void ls_rng_fill_normal(ls_rng *rng, ls_mat *M, double mean, double std);
/* Fill M column by column with U(lo, hi). */
void ls_rng_fill_uniform(ls_rng *rng, ls_mat *M, double lo, double hi);

#endif
