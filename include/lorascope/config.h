/* config.h — every parameter of a run, declared once.
 *
 * LS_PARAM_LIST is the single declaration of each parameter: its struct field,
 * its name on the command line (--name), its type, group, default, how a change
 * applies to a running session, valid range, choices and help text. From it come
 * the ls_config struct, the parser (ls_config_set), the formatter (ls_config_format,
 * used by traces, snapshots and the status panel), `lorascope run --help`, the TUI's
 * setup screen, the session's change rules and the man page. Add a parameter here
 * and everything that lists parameters sees it. */
#ifndef LORASCOPE_CONFIG_H
#define LORASCOPE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lorascope/baseline.h"
#include "lorascope/init.h"
#include "lorascope/lora.h"
#include "lorascope/optim_kinds.h"
#include "lorascope/problem.h"
#include "lorascope/status.h"

typedef enum { LS_P_INT, LS_P_REAL, LS_P_SEED, LS_P_CHOICE, LS_P_TEXT } ls_param_type;
/* A TEXT value (a file name, "path:tensor" for safetensors): a fixed buffer, so configs stay
 * plain copyable structs; "" = not given. */
#define LS_PARAM_TEXT_MAX 1024
typedef char ls_param_text[LS_PARAM_TEXT_MAX];
/* Room for any formatted parameter value (ls_config_format), NUL included. */
#define LS_PARAM_VALUE_MAX LS_PARAM_TEXT_MAX
#define LS_CTYPE_INT long
#define LS_CTYPE_REAL double
#define LS_CTYPE_SEED uint64_t
#define LS_CTYPE_CHOICE int
#define LS_CTYPE_TEXT ls_param_text

/* How a change of the parameter applies to a running session (ls_session_set, SPEC §2): the
 * APPLY column of LS_PARAM_LIST, without its LS_APPLY_ prefix. */
typedef enum {
	LS_APPLY_NEXT_STEP, /* from the next step */
	LS_APPLY_OPTIMIZER, /* from the next step, the optimiser's moments reset */
	LS_APPLY_BASELINE,  /* the baseline is recomputed (X* depends on it), the run continues */
	LS_APPLY_SCALING,   /* s is recomputed, the factors kept (X scales), baseline recomputed */
	LS_APPLY_RANK,      /* the rank grows (X unchanged) or shrinks (best rank-r truncation) */
	LS_APPLY_INIT,      /* restart from step 0 with a new initialisation seed */
	LS_APPLY_REBUILD,   /* new problem and baseline, restart from step 0 */
	LS_APPLY_THEORY,    /* the cached α̂, β̂ are forgotten, the run continues */
	LS_APPLY_COUNT
} ls_param_apply;
/* What a change of each kind does, in words completing "A change while running ..." (the
 * man page). */
extern const char *const ls_param_apply_help[LS_APPLY_COUNT];

/* X(field, "name", TYPE, "group", "default", APPLY, min, max, choices, "help")
 * APPLY is how a change applies to a running session (ls_param_apply); min/max bound INT and
 * REAL values (inclusive); choices is a NULL-terminated name list for CHOICE parameters (the
 * stored value is the index). TEXT parameters hold a file spec (fileio.h's ls_matrix_load: .npy,
 * .safetensors[:tensor], .mtx, .csv, .tsv); which problem reads which file, and with what shape, is
 * in problem_files.c. */
#define LS_PARAM_LIST(X)                                                                          \
	X(problem, "problem", CHOICE, "problem", "approx", REBUILD, 0, 0, ls_problem_names,       \
	  "objective f(X) to fine-tune")                                                          \
	X(m, "m", INT, "problem", "64", REBUILD, 1, 100000, NULL,                                 \
	  "rows of the update X (output dim)")                                                    \
	X(n, "n", INT, "problem", "64", REBUILD, 1, 100000, NULL, "columns of X (input dim)")     \
	X(samples, "samples", INT, "problem", "0", REBUILD, 0, 10000000, NULL,                    \
	  "measurements or data points (0: the problem's default)")                               \
	X(true_rank, "true-rank", INT, "problem", "4", REBUILD, 1, 100000, NULL,                  \
	  "planted rank of the target / teacher update")                                          \
	X(kappa, "kappa", REAL, "problem", "1.5", REBUILD, 1, 1e8, NULL,                          \
	  "condition number of the input covariance (regression)")                                \
	X(decay, "decay", REAL, "problem", "0.7", REBUILD, 0, 1, NULL,                            \
	  "ratio of consecutive planted singular values (approx)")                                \
	X(noise, "noise", REAL, "problem", "0", REBUILD, 0, 1e6, NULL,                            \
	  "standard deviation of the observation noise")                                          \
	X(modules, "modules", INT, "problem", "1", REBUILD, 1, 2, NULL,                           \
	  "mlp: layers that carry LoRA (1: the first, 2: both)")                                  \
	X(seed, "seed", SEED, "problem", "1", REBUILD, 0, 0, NULL,                                \
	  "seed of the random generator (same seed, same run bit for bit)")                       \
	X(rank, "rank", INT, "lora", "8", RANK, 1, 4096, NULL, "LoRA rank r")                     \
	X(scaling, "scaling", CHOICE, "lora", "one", SCALING, 0, 0, ls_scaling_names,             \
	  "scaling s of X = s*A*B^T")                                                             \
	X(alpha, "alpha", REAL, "lora", "16", SCALING, 1e-12, 1e12, NULL,                         \
	  "lora_alpha for the alpha-r and rslora scalings")                                       \
	X(init, "init", CHOICE, "lora", "peft", INIT, 0, 0, ls_init_names,                        \
	  "initialisation of A and B")                                                            \
	X(init_scale, "init-scale", REAL, "lora", "0.001", INIT, 0, 1e6, NULL,                    \
	  "magnitude of the spectral and olora initialisations")                                  \
	X(init_a, "init-a", REAL, "lora", "0.1", INIT, 0, 1e6, NULL,                              \
	  "standard deviation of A for the custom initialisation")                                \
	X(init_b, "init-b", REAL, "lora", "0", INIT, 0, 1e6, NULL,                                \
	  "standard deviation of B for the custom initialisation")                                \
	X(optimizer, "optimizer", CHOICE, "optim", "gd", OPTIMIZER, 0, 0, ls_optim_names,         \
	  "optimiser")                                                                            \
	X(lr, "lr", REAL, "optim", "0.02", NEXT_STEP, 0, 1e6, NULL, "step size eta")              \
	X(lambda, "lambda", REAL, "optim", "0.5", BASELINE, 0, 1e6, NULL,                         \
	  "weight decay lambda (the nuclear-norm weight when s = 1)")                             \
	X(momentum, "momentum", REAL, "optim", "0.9", NEXT_STEP, 0, 0.999999, NULL,               \
	  "heavy-ball coefficient (momentum optimiser)")                                          \
	X(beta1, "beta1", REAL, "optim", "0.9", NEXT_STEP, 0, 0.999999, NULL,                     \
	  "Adam first-moment decay")                                                              \
	X(beta2, "beta2", REAL, "optim", "0.999", NEXT_STEP, 0, 0.999999999, NULL,                \
	  "Adam second-moment decay")                                                             \
	X(eps, "eps", REAL, "optim", "1e-8", NEXT_STEP, 0, 1, NULL, "Adam epsilon")               \
	X(batch, "batch", INT, "optim", "32", NEXT_STEP, 1, 10000000, NULL,                       \
	  "mini-batch size for sgd")                                                              \
	X(mu, "mu", REAL, "optim", "1", NEXT_STEP, 0, 1, NULL,                                    \
	  "Rushka-Klabjan mix: 1 simultaneous, 0 sequential updates")                             \
	X(inner_k, "inner-k", INT, "optim", "1", NEXT_STEP, 1, 1000, NULL,                        \
	  "inner steps per factor in sequential updates")                                         \
	X(baseline_iters, "baseline-iters", INT, "baseline", "5000", BASELINE, 0, 10000000, NULL, \
	  "proximal-gradient iterations for the full fine-tuning baseline")                       \
	X(baseline_tol, "baseline-tol", REAL, "baseline", "1e-12", BASELINE, 0, 1, NULL,          \
	  "relative change at which the baseline stops")                                          \
	X(baseline, "baseline", CHOICE, "baseline", "auto", BASELINE, 0, 0,                       \
	  ls_baseline_mode_names,                                                                 \
	  "when to compute the full fine-tuning baseline (auto: not for large problems)")         \
	X(ab_samples, "ab-samples", INT, "theory", "0", THEORY, 0, 1000000, NULL,                 \
	  "Monte Carlo samples of alpha^, beta^ (paper: 1000; 0: auto, 2^27 / sum of "            \
	  "m*n*(min(m,n) + max(1, samples)) within [20, 1000]: 1000 on the presets, 504 on "      \
	  "approx 64x64, 20 on sensing 64x64)")                                                   \
	X(ab_radius, "ab-radius", REAL, "theory", "0", THEORY, 0, 1e12, NULL,                     \
	  "sampling radius D about X* (0: max(1, 2|X*|_F, 1.25|X - X*|_F), X the current "        \
	  "point when estimated; estimated again in a wider ball when the point judged lies "     \
	  "outside)")                                                                             \
	X(lanczos_iters, "lanczos-iters", INT, "theory", "200", THEORY, 1, 1000000, NULL,         \
	  "Krylov dimension cap of lambda_min of the Hessian of g (Lanczos stops sooner once "    \
	  "its extreme Ritz values have converged)")                                              \
	X(w0, "w0", TEXT, "files", "", REBUILD, 0, 0, NULL,                                       \
	  "pre-trained W0 from FILE: regression and classify (m x n), trace2 (n x n), mlp's "     \
	  "first layer (m x n); its shape sets --m/--n")                                          \
	X(target, "target", TEXT, "files", "", REBUILD, 0, 0, NULL,                               \
	  "target from FILE (m x n, sets --m/--n): M of approx; the planted update of "           \
	  "sensing, regression (makes Y when --outputs is not given) and mlp's first layer")      \
	X(inputs, "inputs", TEXT, "files", "", REBUILD, 0, 0, NULL,                               \
	  "inputs Z from FILE, one sample a column (n x N; its shape sets n and samples): "       \
	  "regression; classify, together with its labels")                                       \
	X(outputs, "outputs", TEXT, "files", "", REBUILD, 0, 0, NULL,                             \
	  "regression outputs Y from FILE (m x N); classify labels (N integers in [0, m)) "       \
	  "for its inputs")                                                                       \
	X(init_a_file, "init-a-file", TEXT, "files", "", REBUILD, 0, 0, NULL,                     \
	  "initial A from FILE (m x r; PEFT's lora_B.weight as is), replacing --init's A; "       \
	  "its r sets --rank")                                                                    \
	X(init_b_file, "init-b-file", TEXT, "files", "", REBUILD, 0, 0, NULL,                     \
	  "initial B from FILE (n x r, or r x n transposed: PEFT's lora_A.weight), "              \
	  "replacing --init's B")

typedef struct ls_config {
#define LS_PARAM_FIELD(field, name, type, group, def, apply, lo, hi, choices, help) \
	LS_CTYPE_##type field;
	LS_PARAM_LIST(LS_PARAM_FIELD)
#undef LS_PARAM_FIELD
} ls_config;

typedef enum {
#define LS_PARAM_ENUM(field, name, type, group, def, apply, lo, hi, choices, help) LS_PARAM_##field,
	LS_PARAM_LIST(LS_PARAM_ENUM)
#undef LS_PARAM_ENUM
		LS_PARAM_COUNT
} ls_param_id;

typedef struct {
	const char *name;
	ls_param_type type;
	const char *group;
	const char *def;
	ls_param_apply apply;
	double lo, hi;
	const char *const *choices;
	const char *help;
	size_t offset;
} ls_param_info;

extern const ls_param_info ls_params[LS_PARAM_COUNT];

/* Fill c with every default. */
void ls_config_defaults(ls_config *c);
/* The parameter called name (without "--"), or NULL. */
const ls_param_info *ls_param_find(const char *name);
/* Parse value for parameter name into c, checking type, range and choices.
 * On error c is unchanged and err says e.g. "--lambda: 'x' is not a number". */
ls_status ls_config_set(ls_config *c, const char *name, const char *value, ls_error *err);
/* Write parameter id of c as text (the form ls_config_set accepts) into buf. */
void ls_config_format(const ls_config *c, ls_param_id id, char *buf, size_t len);
/* Check relations between parameters (e.g. rank ≤ min(m, n), true-rank ≤ min(m, n)). */
ls_status ls_config_check(const ls_config *c, ls_error *err);

#endif
