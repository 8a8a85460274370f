/* isa.h — code built per x86-64 instruction set and picked at run time (private to
 * src/core): where GCC or clang compile for x86-64, approx's vector kernels
 * (approx_kernel.c) and the optimiser's loops over the factors (optim.c); elsewhere neither,
 * and plain C or BLAS does the work. */
#ifndef LORASCOPE_ISA_H
#define LORASCOPE_ISA_H

#if defined(__x86_64__) && defined(__GNUC__)
#define LS_ISA_X86 1
/* A function compiled also for AVX-512F and for AVX2, the best one the CPU has chosen when
 * the program loads. Each clone does the same IEEE operations (no contraction to FMA under
 * -std=c11), so the bits do not depend on the clone. Measured on the optimiser's loops:
 * a 64², r 4 step 1.63 µs → 1.24 µs (the VEX-encoded clone, wider vectors). */
#define LS_ISA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LS_ISA_X86 0
#define LS_ISA_CLONES
#endif

#endif
