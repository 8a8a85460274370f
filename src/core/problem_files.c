/* problem_files.c — which problem reads which matrix file (SPEC §1 "loaded"), and
 * ls_config_resolve_fetch: the sizes those files' matrices fix (--m, --n, --samples, --rank).
 *
 * Each problem lists, for --w0, --target, --inputs and --outputs, the sizes the file's rows
 * and columns stand for (m, n, N = samples); a file it does not read is refused. Every
 * problem with one module reads --init-a-file (m×r) and --init-b-file (n×r, or r×n as PEFT
 * stores lora_A; MATH.md §2's mapping A = B_peft, Bᵀ = A_peft). A size is bound by the first
 * of: a parameter the user gave, then the files in the order above; every later file must
 * agree, and the message names both sides. The problems take the same matrices strictly against
 * the resolved config (ls_probutil_input). A --rank or --true-rank the user did not give is
 * lowered to min(m, n) when the files make it so. No file is opened here: the matrices come
 * from a fetch callback (io's loader reads each file in it, once). */
#include <stdio.h>
#include <string.h>

#include "lorascope/config.h"
#include "lorascope/inputs.h"
#include "problem_util.h"

/* What a file's rows or columns stand for. */
enum { D_NONE, D_M, D_N, D_S, D_R, D_VEC, D_COUNT };

typedef struct {
	unsigned char rows, cols; /* D_NONE, D_NONE: not read; D_VEC, D_S: a vector of N */
} file_role;

#define NFILES 4 /* w0, target, inputs, outputs: the first inputs of ls_input_id */

static const file_role roles[LS_PROBLEM_COUNT][NFILES] = {
	[LS_PROBLEM_SENSING] = { [1] = { D_M, D_N } },
	[LS_PROBLEM_REGRESSION] = { { D_M, D_N }, { D_M, D_N }, { D_N, D_S }, { D_M, D_S } },
	[LS_PROBLEM_APPROX] = { [1] = { D_M, D_N } },
	[LS_PROBLEM_TRACE2] = { [0] = { D_M, D_N } },
	[LS_PROBLEM_CLASSIFY] = { [0] = { D_M, D_N }, [2] = { D_N, D_S }, [3] = { D_VEC, D_S } },
	[LS_PROBLEM_MLP] = { { D_M, D_N }, { D_M, D_N } },
};

/* The presets have their own shapes whatever --m and --n say. */
static bool preset(int problem)
{
	return ls_problem_types[problem]->fixed.m != 0;
}

typedef struct {
	size_t val[D_COUNT];
	bool bound[D_COUNT];
	char src[D_COUNT][LS_PARAM_TEXT_MAX + 32]; /* "--m 64", "--target t.npy" */
} dims;

static void bind(dims *d, int k, size_t v, const char *src)
{
	d->val[k] = v;
	d->bound[k] = true;
	snprintf(d->src[k], sizeof d->src[k], "%s", src);
}

static ls_status refuse(ls_error *err, int problem, const char *opt)
{
	char list[160] = "";
	size_t used = 0;
	for (int k = 0; k < NFILES; k++)
		if (roles[problem][k].rows != D_NONE)
			used += (size_t)snprintf(list + used, sizeof list - used, "--%s, ",
						 ls_params[ls_input_params[k]].name);
	return ls_error_set(err, LS_EINVAL,
			    "--%s: %s reads no such file (its files: %s--init-a-file, "
			    "--init-b-file)",
			    opt, ls_problem_names[problem], list);
}

/* Check M (from spec of option opt) against the bound sizes; bind the unbound ones. */
static ls_status fit(dims *d, const file_role *ro, const char *opt, const char *spec,
		     const ls_mat *M, ls_error *err)
{
	char self[LS_PARAM_TEXT_MAX + 32];
	snprintf(self, sizeof self, "--%s %s", opt, spec);
	if (ro->rows == D_VEC) {
		size_t len = M->rows == 1 ? M->cols : M->cols == 1 ? M->rows : 0;
		if (!len)
			return ls_error_set(err, LS_EDIM, "--%s: %s is %zu×%zu, not a vector", opt,
					    spec, M->rows, M->cols);
		if (d->bound[D_S] && d->val[D_S] != len)
			return ls_error_set(err, LS_EDIM,
					    "--%s: %s holds %zu values, but %s needs %zu", opt,
					    spec, len, d->src[D_S], d->val[D_S]);
		if (!d->bound[D_S])
			bind(d, D_S, len, self);
		return LS_OK;
	}
	size_t er = d->bound[ro->rows] ? d->val[ro->rows] : LS_ANY;
	size_t ec = d->bound[ro->cols] ? d->val[ro->cols] : LS_ANY;
	bool rbad = er != LS_ANY && er != M->rows, cbad = ec != LS_ANY && ec != M->cols;
	if (rbad || cbad) {
		ls_status st = ls_matrix_expect(spec, M, er, ec, d->src[rbad ? ro->rows : ro->cols],
						err);
		return ls_probutil_prefix(err, st, opt);
	}
	if (!d->bound[ro->rows])
		bind(d, ro->rows, M->rows, self);
	if (!d->bound[ro->cols])
		bind(d, ro->cols, M->cols, self);
	return LS_OK;
}

/* --init-b-file: n×r as ours, or r×n as PEFT's lora_A (transposed on load). When both read
 * (n = r) or n is unknown, a .safetensors tensor is PEFT's, anything else ours. */
bool ls_probutil_b_is_peft(const char *spec, size_t rows, size_t cols, size_t n)
{
	bool st = strstr(spec, ".safetensors") != NULL;
	if (n == LS_ANY)
		return st;
	if (rows == n && (cols != n || !st))
		return false;
	return cols == n;
}

static ls_status fit_b(dims *d, bool fix_n, const char *spec, const ls_mat *M, ls_error *err)
{
	const char *opt = "init-b-file";
	char self[LS_PARAM_TEXT_MAX + 32];
	snprintf(self, sizeof self, "--%s %s", opt, spec);
	size_t n = fix_n && d->bound[D_N] ? d->val[D_N] : LS_ANY;
	bool peft = ls_probutil_b_is_peft(spec, M->rows, M->cols, n);
	size_t rn = peft ? M->cols : M->rows, r = peft ? M->rows : M->cols;
	if (n != LS_ANY && rn != n)
		return ls_error_set(err, LS_EDIM,
				    "--%s: %s is %zu×%zu, but %s needs %zu×r (or r×%zu, PEFT's "
				    "lora_A)",
				    opt, spec, M->rows, M->cols, d->src[D_N], n, n);
	if (d->bound[D_R] && d->val[D_R] != r)
		return ls_error_set(err, LS_EDIM,
				    "--%s: %s is %zu×%zu (r = %zu), but %s needs r = %zu", opt,
				    spec, M->rows, M->cols, r, d->src[D_R], d->val[D_R]);
	if (fix_n && !d->bound[D_N])
		bind(d, D_N, rn, self);
	if (!d->bound[D_R])
		bind(d, D_R, r, self);
	return LS_OK;
}

/* A size taken from a file must be a valid value of its parameter. */
static ls_status store(const dims *d, int k, ls_param_id id, long *field, ls_error *err)
{
	if (!d->bound[k])
		return LS_OK;
	const ls_param_info *p = &ls_params[id];
	if ((double)d->val[k] < p->lo || (double)d->val[k] > p->hi)
		return ls_error_set(err, LS_ERANGE, "%s: --%s %zu is outside [%.15g, %.15g]",
				    d->src[k], p->name, d->val[k], p->lo, p->hi);
	*field = (long)d->val[k];
	return LS_OK;
}

ls_status ls_config_check_files(const ls_config *c, ls_error *err)
{
	int prob = c->problem;
	for (int k = 0; k < NFILES; k++) {
		const ls_param_info *p = &ls_params[ls_input_params[k]];
		const char *spec = (const char *)c + p->offset;
		if (spec[0] && roles[prob][k].rows == D_NONE)
			return refuse(err, prob, p->name);
	}
	if (prob == LS_PROBLEM_REGRESSION && c->target[0] && c->outputs[0])
		return ls_error_set(err, LS_EINVAL,
				    "--target: regression's planted update only makes Y; --outputs "
				    "%s gives Y",
				    c->outputs);
	if (prob == LS_PROBLEM_CLASSIFY && !c->inputs[0] != !c->outputs[0])
		return ls_error_set(err, LS_EINVAL,
				    "--%s: classify needs --inputs and --outputs (labels) together",
				    c->inputs[0] ? "inputs" : "outputs");
	if ((c->init_a_file[0] || c->init_b_file[0]) && prob == LS_PROBLEM_MLP && c->modules != 1)
		return ls_error_set(
			err, LS_EINVAL,
			"--%s: mlp --modules %ld has %ld modules; the init files fill one",
			c->init_a_file[0] ? "init-a-file" : "init-b-file", c->modules, c->modules);
	return LS_OK;
}

/* *M := the fetched matrix of input k, the error prefixed with its option. */
static ls_status fetch_one(ls_inputs_fetch fetch, void *ctx, ls_input_id k, const ls_mat **M,
			   ls_error *err)
{
	ls_status st = fetch(ctx, k, M, err);
	return st == LS_OK ? LS_OK
			   : ls_probutil_prefix(err, st, ls_params[ls_input_params[k]].name);
}

ls_status ls_config_resolve_fetch(ls_config *c, const bool *given, ls_inputs_fetch fetch, void *ctx,
				  ls_error *err)
{
	int prob = c->problem;
	dims d;
	memset(&d, 0, sizeof d);
	char buf[LS_PARAM_TEXT_MAX + 32];
	if (given && given[LS_PARAM_m] && !preset(prob)) {
		snprintf(buf, sizeof buf, "--m %ld", c->m);
		bind(&d, D_M, (size_t)c->m, buf);
	}
	if (given && given[LS_PARAM_n] && !preset(prob)) {
		snprintf(buf, sizeof buf, "--n %ld", c->n);
		bind(&d, D_N, (size_t)c->n, buf);
	}
	if (given && given[LS_PARAM_samples] && c->samples > 0) {
		snprintf(buf, sizeof buf, "--samples %ld", c->samples);
		bind(&d, D_S, (size_t)c->samples, buf);
	}
	if (given && given[LS_PARAM_rank]) {
		snprintf(buf, sizeof buf, "--rank %ld", c->rank);
		bind(&d, D_R, (size_t)c->rank, buf);
	}
	ls_status st = ls_config_check_files(c, err);
	if (st != LS_OK)
		return st;
	bool init_files = c->init_a_file[0] || c->init_b_file[0];
	for (int k = 0; st == LS_OK && k < NFILES; k++) {
		const char *opt = ls_params[ls_input_params[k]].name;
		const char *spec = (const char *)c + ls_params[ls_input_params[k]].offset;
		if (!spec[0])
			continue;
		const ls_mat *M;
		if ((st = fetch_one(fetch, ctx, k, &M, err)) != LS_OK)
			return st;
		if (M->rows == 0 || M->cols == 0)
			st = ls_error_set(err, LS_EDIM, "--%s: %s is empty (%zu×%zu)", opt, spec,
					  M->rows, M->cols);
		else if (prob == LS_PROBLEM_TRACE2 && M->rows != M->cols)
			st = ls_error_set(err, LS_EDIM,
					  "--%s: %s is %zu×%zu, but trace2 needs a "
					  "square W0",
					  opt, spec, M->rows, M->cols);
		else
			st = fit(&d, &roles[prob][k], opt, spec, M, err);
	}
	bool fix = !preset(prob);
	if (st == LS_OK && c->init_a_file[0]) {
		const ls_mat *M;
		if ((st = fetch_one(fetch, ctx, LS_INPUT_INIT_A, &M, err)) != LS_OK)
			return st;
		file_role ra = { D_M, D_R };
		if (fix) {
			st = fit(&d, &ra, "init-a-file", c->init_a_file, M, err);
		} else if (d.bound[D_R] && d.val[D_R] != M->cols) { /* a preset: only r */
			st = ls_error_set(err, LS_EDIM,
					  "--init-a-file: %s is %zu×%zu, but %s needs r = %zu",
					  c->init_a_file, M->rows, M->cols, d.src[D_R], d.val[D_R]);
		} else if (!d.bound[D_R]) {
			snprintf(buf, sizeof buf, "--init-a-file %s", c->init_a_file);
			bind(&d, D_R, M->cols, buf);
		}
	}
	if (st == LS_OK && c->init_b_file[0]) {
		const ls_mat *M;
		if ((st = fetch_one(fetch, ctx, LS_INPUT_INIT_B, &M, err)) != LS_OK)
			return st;
		st = fit_b(&d, fix, c->init_b_file, M, err);
	}
	if (st != LS_OK)
		return st;
	ls_config next = *c;
	if (fix) {
		if ((st = store(&d, D_M, LS_PARAM_m, &next.m, err)) != LS_OK ||
		    (st = store(&d, D_N, LS_PARAM_n, &next.n, err)) != LS_OK)
			return st;
	}
	if (c->inputs[0] || c->outputs[0])
		if ((st = store(&d, D_S, LS_PARAM_samples, &next.samples, err)) != LS_OK)
			return st;
	if (init_files && (st = store(&d, D_R, LS_PARAM_rank, &next.rank, err)) != LS_OK)
		return st;
	/* Defaults that no longer fit the files' sizes are lowered to min(m, n). */
	long mn = next.m < next.n ? next.m : next.n;
	if (fix && !(given && given[LS_PARAM_rank]) && !d.bound[D_R] && next.rank > mn)
		next.rank = mn;
	if (fix && !(given && given[LS_PARAM_true_rank]) && next.true_rank > mn)
		next.true_rank = mn;
	*c = next;
	return LS_OK;
}

typedef struct {
	const ls_config *cfg;
	const ls_inputs *in;
} held;

/* The matrices of an ls_inputs, as a fetch. */
static ls_status fetch_held(void *ctx, ls_input_id k, const ls_mat **M, ls_error *err)
{
	const held *h = ctx;
	if (!h->in || !h->in->have[k])
		return ls_error_set(err, LS_EINVAL, "%s: not loaded",
				    (const char *)h->cfg + ls_params[ls_input_params[k]].offset);
	*M = &h->in->mat[k];
	return LS_OK;
}

ls_status ls_config_resolve_inputs(ls_config *c, const bool *given, const ls_inputs *in,
				   ls_error *err)
{
	held h = { c, in };
	return ls_config_resolve_fetch(c, given, fetch_held, &h, err);
}
