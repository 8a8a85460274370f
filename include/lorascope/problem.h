/* problem.h — the objective f(X) of full fine-tuning, as an interface (MATH.md §1).
 *
 * A problem type is a const table of function pointers (one file per problem,
 * src/core/problem_<name>.c), listed once in LS_PROBLEM_LIST. An instance
 * (ls_problem) is built from an ls_config, the loaded matrices of its files and an rng and
 * owns its data.
 *
 * The training interface takes the LoRA factors, not X: for every module k,
 * X_k = s_k·A_k·B_kᵀ (A_k m_k×r, B_k n_k×r), and loss_grad returns f and
 *     GA_k = ∇_k f(X)·B_k   (m_k×r),     GB_k = ∇_k f(X)ᵀ·A_k   (n_k×r),
 * WITHOUT the factor s_k (the optimiser applies s, MATH.md §2). A problem avoids
 * forming the m×n X when it can (approx: M·B, Mᵀ·A and r×r Grams).
 *
 * The dense interface (X as an array of nmod matrices) serves the full
 * fine-tuning baseline, the theory instruments and the finite-difference tests:
 * loss_dense f(X), grad_dense ∇f(X), hvp_dense ∇²f(X)[H]. */
#ifndef LORASCOPE_PROBLEM_H
#define LORASCOPE_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/mat.h"
#include "lorascope/rng.h"
#include "lorascope/status.h"

struct ls_config;
struct ls_inputs;

#define LS_MAX_MODULES 4

/* id, name, type object, one-line description. Add a problem here and in its own file. */
#define LS_PROBLEM_LIST(X)                                                                \
	X(LS_PROBLEM_SENSING, "sensing", ls_problem_sensing,                              \
	  "matrix sensing: Gaussian measurements of a planted low-rank matrix")           \
	X(LS_PROBLEM_REGRESSION, "regression", ls_problem_regression,                     \
	  "linear regression fine-tuning of W0; input covariance condition number kappa") \
	X(LS_PROBLEM_APPROX, "approx", ls_problem_approx,                                 \
	  "low-rank approximation 1/2 |M - X|^2 of a target with planted rank and decay") \
	X(LS_PROBLEM_TRACE2, "trace2", ls_problem_trace2,                                 \
	  "1/2 Tr^2(W0 - X): the Rushka-Klabjan closed-form gradient flow")               \
	X(LS_PROBLEM_CLASSIFY, "classify", ls_problem_classify,                           \
	  "softmax regression fine-tuning on a Gaussian mixture (classes m, features n)") \
	X(LS_PROBLEM_MLP, "mlp", ls_problem_mlp,                                          \
	  "two-layer tanh teacher-student network, LoRA on 1 or 2 layers: nonconvex")     \
	X(LS_PROBLEM_LOUD5, "loud5", ls_problem_loud5,                                    \
	  "5x5 preset that fails loudly at r = 2: spurious rank-2 minima (MATH.md 9)")    \
	X(LS_PROBLEM_SENSE2X2, "sense2x2", ls_problem_sense2x2,                           \
	  "2x2 sensing preset with a spurious minimum at r = 1 (MATH.md 9)")

typedef enum {
#define LS_PROBLEM_ENUM(id, name, type, help) id,
	LS_PROBLEM_LIST(LS_PROBLEM_ENUM)
#undef LS_PROBLEM_ENUM
		LS_PROBLEM_COUNT
} ls_problem_id;

typedef struct {
	size_t m, n;
} ls_shape;

/* The factors of every module, as a problem reads them. */
typedef struct {
	size_t nmod;
	const ls_mat *A; /* nmod matrices, A[k] is m_k×r */
	const ls_mat *B; /* nmod matrices, B[k] is n_k×r */
	const double *s; /* nmod scalings */
} ls_factors;

/* A mini-batch: indices into the problem's samples. NULL batch = every sample. */
typedef struct {
	const size_t *idx;
	size_t count;
} ls_batch;

typedef struct ls_problem ls_problem;

typedef struct ls_problem_type {
	const char *name;
	/* Build p (p->type is already set) from cfg and the matrices of the files cfg names
	 * (in, inputs.h; NULL: none), drawing from rng. On failure the instance must be safe
	 * to pass to destroy. */
	ls_status (*create)(ls_problem *p, const struct ls_config *cfg, const struct ls_inputs *in,
			    ls_rng *rng, ls_error *err);
	void (*destroy)(ls_problem *p);
	/* f and the factor products above; GA/GB arrays of nmod (either may be NULL
	 * to skip). batch may be NULL (all samples). */
	ls_status (*loss_grad)(ls_problem *p, const ls_factors *F, const ls_batch *batch,
			       double *loss, ls_mat *GA, ls_mat *GB);
	double (*loss_dense)(ls_problem *p, const ls_mat *X);
	ls_status (*grad_dense)(ls_problem *p, const ls_mat *X, ls_mat *G);
	ls_status (*hvp_dense)(ls_problem *p, const ls_mat *X, const ls_mat *H, ls_mat *out);
	/* A Lipschitz constant L of ∇f on the whole space (Mu–Klabjan Assumption 1). */
	double (*lipschitz)(ls_problem *p);
	bool convex;    /* f convex in X (the baseline then finds the global minimiser) */
	bool quadratic; /* ∇²f constant in X: its eigenvalues bound α, β (theory.h) */
	/* What the front ends know before building (MATH.md §9): a preset's own m×n, whatever
	 * --m and --n say ({0, 0}: they choose), the rank it is built to show (0: none), and
	 * whether --true-rank plants the answer (not trace2 or the presets). */
	ls_shape fixed;
	long showcase_rank;
	bool plants_true_rank;
} ls_problem_type;

struct ls_problem {
	const ls_problem_type *type;
	size_t nmod;
	ls_shape shape[LS_MAX_MODULES];
	size_t samples;     /* number of samples for SGD mini-batches; 0 = none */
	ls_mat target;      /* what X should approach, for display (approx: M); may be empty */
	double alpha_exact; /* exact α, β where known (MATH.md §9), NAN otherwise */
	double beta_exact;
	void *data; /* private to the problem type */
};

#define LS_PROBLEM_EXTERN(id, name, type, help) extern const ls_problem_type type;
LS_PROBLEM_LIST(LS_PROBLEM_EXTERN)
#undef LS_PROBLEM_EXTERN

/* Every problem type, indexed by ls_problem_id. */
extern const ls_problem_type *const ls_problem_types[LS_PROBLEM_COUNT];
extern const char *const ls_problem_names[LS_PROBLEM_COUNT + 1]; /* NULL-terminated */
extern const char *const ls_problem_help[LS_PROBLEM_COUNT];

/* The first module's m×n of the problem cfg selects, before it is built: a preset's fixed
 * shape, else --m × --n. */
ls_shape ls_problem_type_shape(const struct ls_config *cfg);
/* A preset (fixed shape) at a rank above min(m, n) that the user did not give: its showcase
 * rank instead (the default 8 fits no preset). Returns whether cfg->rank changed. */
bool ls_problem_type_fit_rank(struct ls_config *cfg, bool rank_given);

/* Create the problem selected by cfg->problem, with the matrices of its files from in (NULL:
 * none; a file cfg names must be there). *p is zeroed first. */
ls_status ls_problem_create(ls_problem *p, const struct ls_config *cfg, const struct ls_inputs *in,
			    ls_rng *rng, ls_error *err);
void ls_problem_destroy(ls_problem *p);

#endif
