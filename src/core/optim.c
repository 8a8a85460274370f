/* optim.c — one training step of the LoRA factors (MATH.md §2, §6, §7).
 *
 * The problem returns ∇f·B and ∇fᵀ·A; here they become P_A = s·∇f·B and P_B = s·∇fᵀ·A
 * (the f-part of ∇g) and weight decay is added where each rule wants it: ∇g = P + λθ
 * for every rule but AdamW, whose decay is decoupled. See optim.h for the rules.
 *
 * The last full-batch f, P_A, P_B are kept with a copy of the factors they were computed
 * at: a step from exactly those factors (the session evaluates the state after each call,
 * then steps from it) reuses them instead of calling the problem again. */
#include <string.h>
#include <math.h>
#include <stdlib.h>

#include "isa.h"
#include "lorascope/optim.h"

const char *const ls_optim_names[LS_OPTIM_COUNT + 1] = {
#define LS_OPTIM_NAME(id, name, help) [id] = name,
	LS_OPTIM_LIST(LS_OPTIM_NAME)
#undef LS_OPTIM_NAME
};

const char *const ls_optim_help[LS_OPTIM_COUNT] = {
#define LS_OPTIM_HELP(id, name, help) [id] = help,
	LS_OPTIM_LIST(LS_OPTIM_HELP)
#undef LS_OPTIM_HELP
};

/* Rounding allowance of the Mu–Klabjan check, relative to max(1, |g(V_t)|). */
#define MK_TOL 1e-12

struct ls_optim {
	size_t nmod, r;
	size_t rows_a[LS_MAX_MODULES], rows_b[LS_MAX_MODULES];
	ls_mat GA[LS_MAX_MODULES], GB[LS_MAX_MODULES]; /* f-part of ∇g: s∇f·B, s∇fᵀ·A */
	ls_mat mA[LS_MAX_MODULES], mB[LS_MAX_MODULES]; /* first moments / velocity */
	ls_mat vA[LS_MAX_MODULES], vB[LS_MAX_MODULES]; /* second moments */
	ls_mat Astar[LS_MAX_MODULES];                  /* A* of the sequential update */
	ls_mat Xd[LS_MAX_MODULES], Gd[LS_MAX_MODULES]; /* dense X and ∇f(X) for mk (lazy) */
	/* Factors, scalings, problem and f of the full-batch GA, GB (valid when have_full). */
	ls_mat fullA[LS_MAX_MODULES], fullB[LS_MAX_MODULES];
	double full_s[LS_MAX_MODULES], full_f;
	const ls_problem *full_p;
	const void *full_data;
	bool have_full;
	size_t samples;
	size_t *perm; /* 0..samples-1, partially shuffled for a mini-batch */
	bool lean;    /* ls_optim_set_lean */
	ls_optim_counts c;
};

static void free_mats(ls_mat *M, size_t n)
{
	for (size_t k = 0; k < n; k++)
		ls_mat_free(&M[k]);
}

void ls_optim_free(ls_optim *o)
{
	if (!o)
		return;
	free_mats(o->GA, LS_MAX_MODULES);
	free_mats(o->GB, LS_MAX_MODULES);
	free_mats(o->mA, LS_MAX_MODULES);
	free_mats(o->mB, LS_MAX_MODULES);
	free_mats(o->vA, LS_MAX_MODULES);
	free_mats(o->vB, LS_MAX_MODULES);
	free_mats(o->Astar, LS_MAX_MODULES);
	free_mats(o->Xd, LS_MAX_MODULES);
	free_mats(o->Gd, LS_MAX_MODULES);
	free_mats(o->fullA, LS_MAX_MODULES);
	free_mats(o->fullB, LS_MAX_MODULES);
	free(o->perm);
	free(o);
}

ls_status ls_optim_alloc(ls_optim **out, const ls_lora *L, const ls_problem *p, ls_error *err)
{
	*out = NULL;
	if (L->nmod != p->nmod)
		return ls_error_set(err, LS_EDIM, "optimiser: %zu LoRA modules, %zu in the problem",
				    L->nmod, p->nmod);
	ls_optim *o = calloc(1, sizeof *o);
	if (!o)
		return ls_error_set(err, LS_ENOMEM, "optimiser: out of memory");
	o->nmod = L->nmod;
	o->r = L->r;
	ls_status st = LS_OK;
	for (size_t k = 0; k < L->nmod && st == LS_OK; k++) {
		size_t ma = L->A[k].rows, nb = L->B[k].rows, r = L->r;
		o->rows_a[k] = ma;
		o->rows_b[k] = nb;
		if ((st = ls_mat_alloc(&o->GA[k], ma, r, err)) != LS_OK ||
		    (st = ls_mat_alloc(&o->GB[k], nb, r, err)) != LS_OK ||
		    (st = ls_mat_alloc(&o->mA[k], ma, r, err)) != LS_OK ||
		    (st = ls_mat_alloc(&o->mB[k], nb, r, err)) != LS_OK ||
		    (st = ls_mat_alloc(&o->vA[k], ma, r, err)) != LS_OK ||
		    (st = ls_mat_alloc(&o->vB[k], nb, r, err)) != LS_OK ||
		    (st = ls_mat_alloc(&o->fullA[k], ma, r, err)) != LS_OK ||
		    (st = ls_mat_alloc(&o->fullB[k], nb, r, err)) != LS_OK)
			break;
		st = ls_mat_alloc(&o->Astar[k], ma, r, err);
	}
	o->samples = p->samples;
	if (st == LS_OK && p->samples > 0) {
		o->perm = malloc(p->samples * sizeof *o->perm);
		if (!o->perm)
			st = ls_error_set(err, LS_ENOMEM, "optimiser: no room for %zu indices",
					  p->samples);
	}
	if (st != LS_OK) {
		ls_optim_free(o);
		return st;
	}
	*out = o;
	return LS_OK;
}

void ls_optim_reset(ls_optim *o)
{
	for (size_t k = 0; k < o->nmod; k++) {
		ls_mat_set_zero(&o->mA[k]);
		ls_mat_set_zero(&o->mB[k]);
		ls_mat_set_zero(&o->vA[k]);
		ls_mat_set_zero(&o->vB[k]);
	}
	o->c = (ls_optim_counts){ 0 };
	o->have_full = false;
}

ls_status ls_optim_moments(ls_optim *o, size_t k, ls_mat *mA, ls_mat *mB, ls_mat *vA, ls_mat *vB)
{
	if (k >= o->nmod)
		return LS_EINVAL;
	*mA = ls_mat_cols(o->mA[k], 0, o->r);
	*mB = ls_mat_cols(o->mB[k], 0, o->r);
	*vA = ls_mat_cols(o->vA[k], 0, o->r);
	*vB = ls_mat_cols(o->vB[k], 0, o->r);
	return LS_OK;
}

ls_optim_counts ls_optim_get_counts(const ls_optim *o)
{
	return o->c;
}

void ls_optim_set_counts(ls_optim *o, ls_optim_counts c)
{
	o->c = c;
}

static ls_status check_shapes(const ls_optim *o, const ls_lora *L, ls_error *err)
{
	bool ok = L->nmod == o->nmod && L->r == o->r;
	for (size_t k = 0; ok && k < L->nmod; k++)
		ok = L->A[k].rows == o->rows_a[k] && L->B[k].rows == o->rows_b[k];
	if (!ok)
		return ls_error_set(err, LS_EDIM,
				    "optimiser was allocated for other factor shapes "
				    "(reallocate it after a rank change)");
	return LS_OK;
}

/* f at F on batch, and the f-parts P_A = s·∇f·B, P_B = s·∇fᵀ·A into o->GA / o->GB
 * when want_a / want_b; with keep (full batch, both parts), F is copied so that a step from
 * exactly F reuses them (an evaluation keeps them, a step does not: its factors move). */
static ls_status eval_parts(ls_optim *o, ls_problem *p, const ls_factors *F, const ls_batch *b,
			    double *loss, bool want_a, bool want_b, bool keep, ls_error *err)
{
	double f = NAN;
	if (want_a || want_b)
		o->have_full = false;
	ls_status st = p->type->loss_grad(p, F, b, &f, want_a ? o->GA : NULL,
					  want_b ? o->GB : NULL);
	if (st != LS_OK)
		return ls_error_set(err, st, "%s: loss and gradient failed: %s", p->type->name,
				    ls_strerror(st));
	for (size_t k = 0; k < F->nmod; k++) {
		if (F->s[k] == 1.0) /* the scaling of most runs: x·1 = x, no pass needed */
			continue;
		if (want_a)
			ls_mat_scale(&o->GA[k], F->s[k]);
		if (want_b)
			ls_mat_scale(&o->GB[k], F->s[k]);
	}
	if (keep && want_a && want_b && !b) {
		bool copied = true;
		for (size_t k = 0; k < F->nmod && copied; k++) {
			copied = ls_mat_copy(&o->fullA[k], &F->A[k]) == LS_OK &&
				 ls_mat_copy(&o->fullB[k], &F->B[k]) == LS_OK;
			o->full_s[k] = F->s[k];
		}
		o->full_f = f;
		o->full_p = p;
		o->full_data = p->data;
		o->have_full = copied;
	}
	if (loss)
		*loss = f;
	return LS_OK;
}

static bool same_bits(const ls_mat *X, const ls_mat *Y)
{
	for (size_t j = 0; j < X->cols; j++)
		if (memcmp(X->data + j * X->ld, Y->data + j * Y->ld, X->rows * sizeof(double)))
			return false;
	return true;
}

/* o->GA, o->GB and f are those of the full batch at exactly F on p. */
static bool have_full_at(const ls_optim *o, const ls_problem *p, const ls_factors *F)
{
	if (!o->have_full || o->full_p != p || o->full_data != p->data)
		return false;
	for (size_t k = 0; k < F->nmod; k++)
		if (memcmp(&o->full_s[k], &F->s[k], sizeof(double)) ||
		    !same_bits(&o->fullA[k], &F->A[k]) || !same_bits(&o->fullB[k], &F->B[k]))
			return false;
	return true;
}

/* Four doubles as one vector of GCC's (loads and stores need no alignment). */
typedef double v4 __attribute__((vector_size(32), aligned(8)));

/* Σ ‖P + λθ‖² over one factor. */
static double grad_sq(const ls_mat *P, const ls_mat *T, double lambda)
{
	double acc = 0.0;
	for (size_t j = 0; j < T->cols; j++)
		for (size_t i = 0; i < T->rows; i++) {
			double g = LS_AT(*P, i, j) + lambda * LS_AT(*T, i, j);
			acc += g * g;
		}
	return acc;
}

/* Σ ‖P + λθ‖² and Σ θ² over one factor added to *gg and *tt, in four interleaved partial
 * sums: quicker than the sequential sums, and within rounding of them (every term ≥ 0). */
LS_ISA_CLONES static void fast_sums(const ls_mat *P, const ls_mat *T, double lambda, double *gg,
				    double *tt)
{
	/* Four lanes of partial sums in one vector (GCC keeps it in registers; an array of
	 * sums went through memory on every add, a third of a 64², r 4 step). */
	v4 g4 = { 0.0, 0.0, 0.0, 0.0 }, t4 = { 0.0, 0.0, 0.0, 0.0 };
	size_t rows = T->rows;
	for (size_t j = 0; j < T->cols; j++) {
		const double *p = P->data + j * P->ld, *th = T->data + j * T->ld;
		size_t i = 0;
		for (; i + 4 <= rows; i += 4) {
			v4 t = *(const v4 *)(th + i), g = *(const v4 *)(p + i) + lambda * t;
			g4 += g * g;
			t4 += t * t;
		}
		for (; i < rows; i++) {
			double g = p[i] + lambda * th[i];
			g4[0] += g * g;
			t4[0] += th[i] * th[i];
		}
	}
	*gg += (g4[0] + g4[1]) + (g4[2] + g4[3]);
	*tt += (t4[0] + t4[1]) + (t4[2] + t4[3]);
}

/* Below this, a quick sum and the exact one (within 1e-7 relative of it at any size) are
 * both finite: far enough from DBL_MAX ≈ 1.8e308. */
#define LEAN_LIMIT 1e307

void ls_optim_set_lean(ls_optim *o, bool lean)
{
	o->lean = lean;
}

static double factors_sq(const ls_lora *L)
{
	double acc = 0.0;
	for (size_t k = 0; k < L->nmod; k++) {
		double a = ls_mat_norm(&L->A[k]), b = ls_mat_norm(&L->B[k]);
		acc += a * a + b * b;
	}
	return acc;
}

static ls_status full_eval(ls_optim *o, ls_problem *p, const ls_lora *L, double lambda,
			   double *loss, double *reg, double *gnorm, ls_error *err)
{
	ls_factors F = ls_lora_factors(L);
	bool grads = gnorm != NULL;
	double f;
	ls_status st = eval_parts(o, p, &F, NULL, &f, grads, grads, true, err);
	if (st != LS_OK)
		return st;
	if (loss)
		*loss = f;
	if (reg)
		*reg = f + 0.5 * lambda * factors_sq(L);
	if (gnorm) {
		double acc = 0.0;
		for (size_t k = 0; k < L->nmod; k++)
			acc += grad_sq(&o->GA[k], &L->A[k], lambda) +
			       grad_sq(&o->GB[k], &L->B[k], lambda);
		*gnorm = sqrt(acc);
	}
	return LS_OK;
}

ls_status ls_optim_eval(ls_optim *o, ls_problem *p, const ls_lora *L, double lambda, double *loss,
			double *reg_loss, double *grad_norm, ls_error *err)
{
	ls_status st = check_shapes(o, L, err);
	if (st != LS_OK)
		return st;
	return full_eval(o, p, L, lambda, loss, reg_loss, grad_norm, err);
}

ls_status ls_optim_grad(ls_optim *o, ls_problem *p, const ls_lora *L, double lambda, double *loss,
			double *reg_loss, ls_mat *GA, ls_mat *GB, ls_error *err)
{
	ls_status st = check_shapes(o, L, err);
	if (st != LS_OK)
		return st;
	ls_factors F = ls_lora_factors(L);
	double f;
	if ((st = eval_parts(o, p, &F, NULL, &f, GA != NULL, GB != NULL, true, err)) != LS_OK)
		return st;
	for (size_t k = 0; k < L->nmod; k++) {
		if (GA) {
			if ((st = ls_mat_copy(&GA[k], &o->GA[k])) != LS_OK)
				return ls_error_set(err, st, "optimiser: bad shape of ∇_A g");
			ls_mat_axpy(&GA[k], lambda, &L->A[k]);
		}
		if (GB) {
			if ((st = ls_mat_copy(&GB[k], &o->GB[k])) != LS_OK)
				return ls_error_set(err, st, "optimiser: bad shape of ∇_B g");
			ls_mat_axpy(&GB[k], lambda, &L->B[k]);
		}
	}
	if (loss)
		*loss = f;
	if (reg_loss)
		*reg_loss = f + 0.5 * lambda * factors_sq(L);
	return LS_OK;
}

/* One update of factor T with f-part P under the rule kind; t is the 1-based count of
 * this factor's updates (Adam bias correction). One loop per rule (the rule chosen once, not
 * per entry); each entry's arithmetic is the same whatever the loop. */
LS_ISA_CLONES static void update_factor(int kind, ls_mat *T, const ls_mat *P, ls_mat *m, ls_mat *v,
					double eta, const ls_config *cfg, long t)
{
	double lambda = cfg->lambda, b1 = cfg->beta1, b2 = cfg->beta2, eps = cfg->eps;
	double mu = cfg->momentum;
	bool adam = kind == LS_OPTIM_ADAM || kind == LS_OPTIM_ADAMW;
	double c1 = adam ? 1.0 - pow(b1, (double)t) : 1.0,
	       c2 = adam ? 1.0 - pow(b2, (double)t) : 1.0;
	size_t rows = T->rows;
	for (size_t j = 0; j < T->cols; j++) {
		double *th = T->data + j * T->ld, *mm = m->data + j * m->ld,
		       *vv = v->data + j * v->ld;
		const double *p = P->data + j * P->ld;
		switch (kind) {
		case LS_OPTIM_MOMENTUM:
			for (size_t i = 0; i < rows; i++) {
				double g = p[i] + lambda * th[i];
				mm[i] = mu * mm[i] + g;
				th[i] -= eta * mm[i];
			}
			break;
		case LS_OPTIM_ADAM:
			for (size_t i = 0; i < rows; i++) {
				double g = p[i] + lambda * th[i];
				mm[i] = b1 * mm[i] + (1.0 - b1) * g;
				vv[i] = b2 * vv[i] + (1.0 - b2) * g * g;
				th[i] -= eta * ((mm[i] / c1) / (sqrt(vv[i] / c2) + eps));
			}
			break;
		case LS_OPTIM_ADAMW:
			for (size_t i = 0; i < rows; i++) {
				mm[i] = b1 * mm[i] + (1.0 - b1) * p[i];
				vv[i] = b2 * vv[i] + (1.0 - b2) * p[i] * p[i];
				th[i] -= eta *
					 ((mm[i] / c1) / (sqrt(vv[i] / c2) + eps) + lambda * th[i]);
			}
			break;
		default: { /* gd, sgd, mk: four lanes (GCC leaves the loop scalar, as th and p
			    * might overlap), each the scalar operations */
			size_t i = 0;
			for (; i + 4 <= rows; i += 4) {
				v4 x = *(v4 *)(th + i), g = *(const v4 *)(p + i) + lambda * x;
				*(v4 *)(th + i) = x - eta * g;
			}
			for (; i < rows; i++) {
				double g = p[i] + lambda * th[i];
				th[i] -= eta * g;
			}
			break;
		}
		}
	}
}

/* A mini-batch for sgd (b->idx NULL = full batch): cfg->batch distinct indices, the
 * first positions of a partial Fisher–Yates shuffle of 0..samples-1 restarted from the
 * identity every call, so the batch depends only on the rng state. */
static void draw_batch(ls_optim *o, const ls_config *cfg, ls_rng *rng, ls_batch *b)
{
	*b = (ls_batch){ 0 };
	size_t want = cfg->batch > 0 ? (size_t)cfg->batch : 1;
	if (cfg->optimizer != LS_OPTIM_SGD || o->samples == 0 || want >= o->samples)
		return;
	for (size_t i = 0; i < o->samples; i++)
		o->perm[i] = i;
	for (size_t i = 0; i < want; i++) {
		size_t j = i + (size_t)ls_rng_below(rng, o->samples - i);
		size_t tmp = o->perm[i];
		o->perm[i] = o->perm[j];
		o->perm[j] = tmp;
	}
	b->idx = o->perm;
	b->count = want;
}

/* Dense buffers of mk, allocated once. */
static ls_status ensure_dense(ls_optim *o, const ls_lora *L, ls_error *err)
{
	for (size_t k = 0; k < L->nmod; k++) {
		if (o->Xd[k].data)
			continue;
		ls_status st = ls_mat_alloc(&o->Xd[k], L->A[k].rows, L->B[k].rows, err);
		if (st == LS_OK)
			st = ls_mat_alloc(&o->Gd[k], L->A[k].rows, L->B[k].rows, err);
		if (st != LS_OK)
			return st;
	}
	return LS_OK;
}

/* The Mu–Klabjan step size at L (see optim.h). */
static ls_status mk_eta(ls_optim *o, ls_problem *p, const ls_lora *L, double lambda, double *eta,
			ls_error *err)
{
	if (!p->type->lipschitz)
		return ls_error_set(err, LS_EUNSUPPORTED,
				    "mk: problem %s has no Lipschitz constant", p->type->name);
	ls_status st = ensure_dense(o, L, err);
	if (st != LS_OK)
		return st;
	double smax = 0.0, gsq = 0.0;
	for (size_t k = 0; k < L->nmod; k++) {
		ls_lora_form(L, k, &o->Xd[k]);
		smax = fmax(smax, fabs(L->s[k]));
	}
	if ((st = p->type->grad_dense(p, o->Xd, o->Gd)) != LS_OK)
		return ls_error_set(err, st, "mk: %s: dense gradient failed", p->type->name);
	for (size_t k = 0; k < L->nmod; k++) {
		double g = L->s[k] * ls_mat_norm(&o->Gd[k]);
		gsq += g * g;
	}
	double lf = p->type->lipschitz(p);
	if (!(lf >= 0.0 && isfinite(lf)))
		return ls_error_set(err, LS_EUNSUPPORTED, "mk: %s has no finite Lipschitz constant",
				    p->type->name);
	double lip = fmax(1.0, smax * smax * lf);
	double denom = 5.0 * sqrt(2.0) * lip * (factors_sq(L) + sqrt(gsq) + 0.5 * lambda);
	*eta = fmin(1.0 / denom, 1.0);
	return LS_OK;
}

static bool sequential(const ls_config *cfg)
{
	return cfg->optimizer != LS_OPTIM_MK && (cfg->mu < 1.0 || cfg->inner_k > 1);
}

/* Rushka–Klabjan Algorithm 1 (eqs. 4–5) in our letters; the first gradient (at V_t,
 * both factors) is already in o->GA / o->GB. */
static ls_status sequential_step(ls_optim *o, ls_problem *p, ls_lora *L, const ls_config *cfg,
				 const ls_batch *b, ls_error *err)
{
	int kind = cfg->optimizer;
	long kin = cfg->inner_k > 0 ? cfg->inner_k : 1;
	double mu = cfg->mu;
	ls_factors F = ls_lora_factors(L);
	ls_status st;
	for (size_t k = 0; k < L->nmod; k++)
		ls_mat_copy(&o->Astar[k], &L->A[k]);
	for (long j = 0; j < kin; j++) {
		if (j > 0 && (st = eval_parts(o, p, &F, b, NULL, true, false, false, err)) != LS_OK)
			return st;
		o->c.ta++;
		for (size_t k = 0; k < L->nmod; k++)
			update_factor(kind, &L->A[k], &o->GA[k], &o->mA[k], &o->vA[k], cfg->lr, cfg,
				      o->c.ta);
	}
	for (size_t k = 0; k < L->nmod; k++) {
		ls_mat_scale(&o->Astar[k], mu);
		ls_mat_axpy(&o->Astar[k], 1.0 - mu, &L->A[k]);
	}
	ls_factors Fs = { .nmod = L->nmod, .A = o->Astar, .B = L->B, .s = L->s };
	for (long j = 0; j < kin; j++) {
		if ((st = eval_parts(o, p, &Fs, b, NULL, false, true, false, err)) != LS_OK)
			return st;
		o->c.tb++;
		for (size_t k = 0; k < L->nmod; k++)
			update_factor(kind, &L->B[k], &o->GB[k], &o->mB[k], &o->vB[k], cfg->lr, cfg,
				      o->c.tb);
	}
	return LS_OK;
}

ls_status ls_optim_step(ls_optim *o, ls_problem *p, ls_lora *L, const ls_config *cfg, ls_rng *rng,
			ls_step_info *info, ls_error *err)
{
	ls_step_info in = { .loss = NAN, .reg_loss = NAN, .grad_norm = NAN, .eta = cfg->lr };
	ls_status st = check_shapes(o, L, err);
	if (st != LS_OK)
		return st;
	if (cfg->optimizer < 0 || cfg->optimizer >= LS_OPTIM_COUNT)
		return ls_error_set(err, LS_EINVAL, "unknown optimiser %d", cfg->optimizer);
	double lambda = cfg->lambda;
	ls_batch batch;
	draw_batch(o, cfg, rng, &batch);
	const ls_batch *b = batch.idx ? &batch : NULL;
	in.batch = batch.count;
	ls_factors F = ls_lora_factors(L);
	if (b && (st = eval_parts(o, p, &F, NULL, &in.loss, false, false, false, err)) != LS_OK)
		return st;
	if (!b && have_full_at(o, p, &F))
		in.loss = o->full_f;
	else if ((st = eval_parts(o, p, &F, b, b ? NULL : &in.loss, true, true, false, err)) !=
		 LS_OK)
		return st;
	/* ‖∇g‖ and g exactly; or, when lean, for gd and sgd's simultaneous update, quick sums
	 * when they prove the exact values finite, and every |θ|, |g| below 1e154: then
	 * θ − η·g (η ≤ 1e6) is finite too, so a divergence never follows a lean step unseen. */
	double gsq = 0.0, tsq = 0.0;
	bool exact = !o->lean || sequential(cfg) ||
		     (cfg->optimizer != LS_OPTIM_GD && cfg->optimizer != LS_OPTIM_SGD);
	if (!exact) {
		for (size_t k = 0; k < L->nmod; k++) {
			fast_sums(&o->GA[k], &L->A[k], lambda, &gsq, &tsq);
			fast_sums(&o->GB[k], &L->B[k], lambda, &gsq, &tsq);
		}
		double reg = in.loss + 0.5 * lambda * tsq;
		exact = !(gsq < LEAN_LIMIT && tsq < LEAN_LIMIT && fabs(in.loss) < LEAN_LIMIT &&
			  fabs(reg) < LEAN_LIMIT);
		in.reg_loss = reg;
	}
	if (exact) {
		gsq = 0.0;
		for (size_t k = 0; k < L->nmod; k++)
			gsq += grad_sq(&o->GA[k], &L->A[k], lambda) +
			       grad_sq(&o->GB[k], &L->B[k], lambda);
		in.reg_loss = in.loss + 0.5 * lambda * factors_sq(L);
	}
	in.grad_norm = sqrt(gsq);
	in.exact = exact;
	if (cfg->optimizer == LS_OPTIM_MK && (st = mk_eta(o, p, L, lambda, &in.eta, err)) != LS_OK)
		return st;
	if (sequential(cfg)) {
		if ((st = sequential_step(o, p, L, cfg, b, err)) != LS_OK)
			return st;
	} else {
		o->c.ta++;
		o->c.tb++;
		for (size_t k = 0; k < L->nmod; k++) {
			update_factor(cfg->optimizer, &L->A[k], &o->GA[k], &o->mA[k], &o->vA[k],
				      in.eta, cfg, o->c.ta);
			update_factor(cfg->optimizer, &L->B[k], &o->GB[k], &o->mB[k], &o->vB[k],
				      in.eta, cfg, o->c.tb);
		}
	}
	o->c.t++;
	if (cfg->optimizer == LS_OPTIM_MK) {
		double g_next;
		if ((st = full_eval(o, p, L, lambda, NULL, &g_next, NULL, err)) != LS_OK)
			return st;
		in.mk_checked = true;
		in.mk_lhs = g_next;
		in.mk_rhs = in.reg_loss - in.eta / 5.0 * gsq;
		in.mk_holds = g_next <= in.mk_rhs + MK_TOL * fmax(1.0, fabs(in.reg_loss));
	}
	if (info)
		*info = in;
	return LS_OK;
}
