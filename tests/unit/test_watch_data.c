/* test_watch_data.c — the numbers of `lorascope watch` (watch.h) against independent dense
 * truth. For every checkpoint and module of a Trainer output directory, ΔW = s·B_peft·A_peft
 * is formed densely from the safetensors tensors, with s as PEFT defines it (lora_alpha/r,
 * or lora_alpha/√r with use_rslora; adapter_config.json read here with jansson, not through
 * lorascope's parser), and LAPACK's dgesdd on the m×n ΔW gives σ, ‖ΔW‖_F, the stable rank,
 * the effective rank exp(H(σ/Σσ)), the drift ‖ΔW_t − ΔW_{t−1}‖_F/‖ΔW_{t−1}‖_F and the
 * largest principal angle between the column spaces (orthonormal bases from the SVDs, then
 * the singular values of Q1ᵀQ2 are the cosines). The model's figures come from thin factors
 * (MATH.md §8); nothing here shares that code. `lorascope inspect --diff A B --json` of each
 * pair of consecutive checkpoints, and of the last with itself (drift and angles exactly 0),
 * is held to the same dense drift and principal angles.
 *
 * The run checked is the directory named by LS_WATCH_RUN when that is set (any Trainer output
 * directory of PEFT LoRA checkpoints without rank/alpha patterns), otherwise one built here
 * from tests/data's real PEFT adapter: checkpoint-10 is that adapter as published,
 * checkpoints 20, 30 and 40 move the factors of four of its modules by seeded noise (rsLoRA in
 * 20, a module left out of 30 and one with B = 0 there), so drift and angles are exercised on
 * every path (and modules absent from a checkpoint). */
#include "iotest.h"

#include <ctype.h>
#include <jansson.h>
#include <lapacke.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "lorascope/mat.h"
#include "lorascope/rng.h"
#include "lorascope/safetensors.h"
#include "lorascope/spectrum.h"
#include "lorascope/watch.h"

#define PREFIX "base_model.model."

/* ---- the run as the files say, read without lorascope's run model ---- */

typedef struct {
	long step;
	char dir[600];
	double s; /* PEFT's scaling from this checkpoint's adapter_config.json */
	size_t r;
} ref_ckpt;

typedef struct {
	ref_ckpt *ck;
	size_t nck;
	char **mods; /* union of module names (without PREFIX), sorted */
	size_t nmod;
} ref_run;

static int cmp_ckpt(const void *a, const void *b)
{
	long x = ((const ref_ckpt *)a)->step, y = ((const ref_ckpt *)b)->step;
	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* s = lora_alpha/r, or lora_alpha/√r with use_rslora (PEFT's LoraLayer.update_layer). */
static void read_scaling(ref_ckpt *c)
{
	char path[700];
	snprintf(path, sizeof path, "%s/adapter_config.json", c->dir);
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root)
		fail_msg("%s: %s", path, je.text);
	json_t *r = json_object_get(root, "r"), *alpha = json_object_get(root, "lora_alpha");
	json_t *rs = json_object_get(root, "use_rslora");
	json_t *rp = json_object_get(root, "rank_pattern"),
	       *ap = json_object_get(root, "alpha_pattern");
	assert_true(json_is_integer(r) && json_is_number(alpha));
	if ((rp && json_object_size(rp)) || (ap && json_object_size(ap)))
		fail_msg("%s: rank_pattern/alpha_pattern are beyond this check", path);
	c->r = (size_t)json_integer_value(r);
	double a = json_number_value(alpha);
	c->s = json_is_true(rs) ? a / sqrt((double)c->r) : a / (double)c->r;
	json_decref(root);
}

static void add_module(ref_run *R, const char *name)
{
	for (size_t i = 0; i < R->nmod; i++)
		if (strcmp(R->mods[i], name) == 0)
			return;
	R->mods = realloc(R->mods, (R->nmod + 1) * sizeof *R->mods);
	assert_non_null(R->mods);
	R->mods[R->nmod] = strdup(name);
	assert_non_null(R->mods[R->nmod++]);
}

/* Every checkpoint-N/ holding adapter_model.safetensors, ascending N; the union of the
 * modules that have a lora_A tensor. */
static void ref_run_read(ref_run *R, const char *dir)
{
	memset(R, 0, sizeof *R);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *p = e->d_name;
		if (strncmp(p, "checkpoint-", 11) != 0 || !isdigit((unsigned char)p[11]))
			continue;
		char *end;
		long step = strtol(p + 11, &end, 10);
		if (*end)
			continue;
		char file[800];
		snprintf(file, sizeof file, "%s/%s/adapter_model.safetensors", dir, p);
		if (access(file, R_OK) != 0)
			continue;
		R->ck = realloc(R->ck, (R->nck + 1) * sizeof *R->ck);
		assert_non_null(R->ck);
		ref_ckpt *c = &R->ck[R->nck++];
		c->step = step;
		snprintf(c->dir, sizeof c->dir, "%s/%s", dir, p);
		read_scaling(c);
		ls_safetensors st;
		assert_ok(ls_st_open(&st, file, NULL));
		for (size_t i = 0; i < st.count; i++) {
			const char *n = st.tensors[i].name, *a = strstr(n, ".lora_A.weight");
			if (!a || a[14] || strncmp(n, PREFIX, strlen(PREFIX)) != 0)
				continue;
			char mod[512];
			size_t len = (size_t)(a - n) - strlen(PREFIX);
			assert_true(len < sizeof mod);
			memcpy(mod, n + strlen(PREFIX), len);
			mod[len] = 0;
			add_module(R, mod);
		}
		ls_st_close(&st);
	}
	closedir(d);
	assert_true(R->nck > 0);
	qsort(R->ck, R->nck, sizeof *R->ck, cmp_ckpt);
	qsort(R->mods, R->nmod, sizeof *R->mods, cmp_str);
}

static void ref_run_free(ref_run *R)
{
	for (size_t i = 0; i < R->nmod; i++)
		free(R->mods[i]);
	free(R->mods);
	free(R->ck);
}

/* ---- one module at one checkpoint, densely ---- */

typedef struct {
	bool present;
	size_t m, n, q; /* ΔW is m×n, q = min(m, n) */
	ls_mat dw;      /* ΔW */
	double *sigma;  /* all q singular values by dgesdd, descending */
	ls_mat u;       /* m×q left singular vectors */
	size_t rank;    /* #{σ_i/‖σ‖_2 > LS_RANK_TOL} (spectrum.h's rule, counted here) */
	double fro;
} dense;

static void dense_free(dense *D)
{
	ls_mat_free(&D->dw);
	ls_mat_free(&D->u);
	free(D->sigma);
	memset(D, 0, sizeof *D);
}

static void dense_form(dense *D, const ref_ckpt *c, const char *mod)
{
	memset(D, 0, sizeof *D);
	char file[700], name[700];
	snprintf(file, sizeof file, "%s/adapter_model.safetensors", c->dir);
	ls_safetensors st;
	assert_ok(ls_st_open(&st, file, NULL));
	snprintf(name, sizeof name, PREFIX "%s.lora_A.weight", mod);
	const ls_st_tensor *ta = ls_st_find(&st, name);
	snprintf(name, sizeof name, PREFIX "%s.lora_B.weight", mod);
	const ls_st_tensor *tb = ls_st_find(&st, name);
	if (!ta) {
		ls_st_close(&st);
		return;
	}
	assert_non_null(tb);
	ls_mat A, B; /* A_peft r×n, B_peft m×r */
	assert_ok(ls_st_tensor_matrix(&st, ta, false, &A, NULL));
	assert_ok(ls_st_tensor_matrix(&st, tb, false, &B, NULL));
	ls_st_close(&st);
	assert_int_equal(A.rows, B.cols);
	assert_int_equal(A.rows, c->r);
	D->present = true;
	D->m = B.rows;
	D->n = A.cols;
	D->q = D->m < D->n ? D->m : D->n;
	assert_ok(ls_mat_alloc(&D->dw, D->m, D->n, NULL));
	assert_ok(ls_mat_gemm(false, false, c->s, &B, &A, 0.0, &D->dw));
	ls_mat_free(&A);
	ls_mat_free(&B);

	ls_mat W, Vt;
	assert_ok(ls_mat_alloc(&W, D->m, D->n, NULL));
	assert_ok(ls_mat_copy(&W, &D->dw));
	assert_ok(ls_mat_alloc(&D->u, D->m, D->q, NULL));
	assert_ok(ls_mat_alloc(&Vt, D->q, D->n, NULL));
	D->sigma = malloc(D->q * sizeof *D->sigma);
	assert_non_null(D->sigma);
	assert_int_equal(LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)D->m, (lapack_int)D->n,
					W.data, (lapack_int)W.ld, D->sigma, D->u.data,
					(lapack_int)D->u.ld, Vt.data, (lapack_int)Vt.ld),
			 0);
	ls_mat_free(&W);
	ls_mat_free(&Vt);
	double ss = 0;
	for (size_t i = 0; i < D->m * D->n; i++)
		ss += D->dw.data[i] * D->dw.data[i];
	D->fro = sqrt(ss);
	double norm = 0;
	for (size_t i = 0; i < D->q; i++)
		norm += D->sigma[i] * D->sigma[i];
	norm = sqrt(norm);
	for (size_t i = 0; i < D->q; i++)
		D->rank += norm > 0 && D->sigma[i] / norm > LS_RANK_TOL;
}

/* Roy–Vetterli effective rank exp(−Σ p log p), p = σ/Σσ over every dense σ; 0 for ΔW = 0. */
static double dense_effective_rank(const dense *D)
{
	double sum = 0, h = 0;
	for (size_t i = 0; i < D->q; i++)
		sum += D->sigma[i];
	if (sum == 0)
		return 0;
	for (size_t i = 0; i < D->q; i++) {
		double p = D->sigma[i] / sum;
		if (p > 0)
			h -= p * log(p);
	}
	return exp(h);
}

/* ‖Q − P‖_F/‖P‖_F on the dense matrices. */
static double dense_drift(const dense *P, const dense *Q)
{
	double ss = 0;
	for (size_t i = 0; i < P->m * P->n; i++) {
		double d = Q->dw.data[i] - P->dw.data[i];
		ss += d * d;
	}
	return sqrt(ss) / P->fro;
}

/* The principal angles (degrees, ascending) between the column spaces of P and Q: the bases
 * are the first rank columns of each U; the singular values of Q1ᵀQ2 are the cosines.
 * Returns how many (min of the ranks) into ang[]. */
static size_t dense_angles(const dense *P, const dense *Q, double *ang)
{
	size_t k = P->rank < Q->rank ? P->rank : Q->rank;
	if (k == 0)
		return 0;
	ls_mat Q1 = ls_mat_cols(P->u, 0, P->rank), Q2 = ls_mat_cols(Q->u, 0, Q->rank), M;
	assert_ok(ls_mat_alloc(&M, P->rank, Q->rank, NULL));
	assert_ok(ls_mat_gemm(true, false, 1.0, &Q1, &Q2, 0.0, &M));
	assert_int_equal(LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (lapack_int)M.rows,
					(lapack_int)M.cols, M.data, (lapack_int)M.ld, ang, NULL, 1,
					NULL, 1),
			 0);
	ls_mat_free(&M);
	for (size_t i = 0; i < k; i++)
		ang[i] = acos(ang[i] > 1 ? 1 : ang[i]) * 180.0 / M_PI;
	return k;
}

/* ---- the model against the dense truth ---- */

typedef struct {
	size_t cells, drifts, angles;           /* figures compared */
	double sigma_err, drift_err, angle_err; /* largest differences seen (relative to σ_1,
						   relative, degrees) */
} tally;

static size_t model_module(const ls_watch *w, const char *name)
{
	for (size_t j = 0; j < ls_watch_nmod(w); j++)
		if (strcmp(ls_watch_module_at(w, j)->name, name) == 0)
			return j;
	fail_msg("the model lacks module %s", name);
	return 0;
}

static void note(double *worst, double err)
{
	if (err > *worst)
		*worst = err;
}

/* One present cell against its dense ΔW and the dense ΔW of the nearest earlier checkpoint
 * having the module (prev->present false when there is none). */
static void check_cell(const ls_watch_cell *c, const dense *D, const dense *prev, size_t r,
		       double *ang, tally *t)
{
	size_t k = r < D->q ? r : D->q;
	assert_int_equal(c->k, k);
	double s1 = D->sigma[0];
	for (size_t i = 0; i < k; i++) {
		assert_close(c->sigma[i], D->sigma[i], 0, 1e-10 * s1);
		if (s1 > 0)
			note(&t->sigma_err, fabs(c->sigma[i] - D->sigma[i]) / s1);
	}
	if (k < D->q) /* rank ≤ r: the dense tail is rounding */
		assert_true(D->sigma[k] <= 1e-12 * s1);
	assert_close(c->fro, D->fro, 1e-10, 0);
	assert_close(c->spec, s1, 1e-10, 0);
	if (D->fro > 0) {
		assert_close(c->stable_rank, D->fro * D->fro / (s1 * s1), 1e-9, 0);
		assert_close(c->effective_rank, dense_effective_rank(D), 1e-9, 0);
	} else {
		assert_true(c->stable_rank == 0 && c->effective_rank == 0);
	}
	t->cells++;
	if (!prev->present || prev->fro == 0) {
		/* first checkpoint having the module, or nothing to be relative to */
		assert_true(isnan(c->drift) && isnan(c->angle_max));
		assert_non_null(c->drift_why);
		return;
	}
	double d = dense_drift(prev, D);
	assert_close(c->drift, d, 1e-8, 1e-12);
	note(&t->drift_err, fabs(c->drift - d) / (d > 0 ? d : 1));
	t->drifts++;
	size_t na = dense_angles(prev, D, ang);
	assert_int_equal(c->nangles, na);
	for (size_t i = 0; i < na; i++) {
		/* an angle from a cosine near 1 is good to about √ε rad */
		assert_close(c->angles[i], ang[i], 1e-9, 1e-4);
		note(&t->angle_err, fabs(c->angles[i] - ang[i]));
	}
	if (na) {
		assert_null(c->drift_why);
		assert_close(c->angle_max, ang[na - 1], 1e-9, 1e-4);
		t->angles += na;
	} else { /* ΔW = 0 now: a relative change of 1, no column space to compare */
		assert_true(isnan(c->angle_max));
		assert_non_null(c->drift_why);
	}
}

static void check_run(const char *dir, tally *t)
{
	ref_run R;
	ref_run_read(&R, dir);
	ls_watch *w;
	ls_error err;
	ls_watch_opts o = { .poll = true, .interval = 1 };
	if (ls_watch_open(&w, dir, &o, &err) != LS_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(ls_watch_npending(w), 0);
	assert_int_equal(ls_watch_nckpt(w), R.nck);
	for (size_t c = 0; c < R.nck; c++)
		assert_int_equal(ls_watch_ckpt_at(w, c)->step, R.ck[c].step);
	assert_int_equal(ls_watch_nmod(w), R.nmod);
	for (size_t i = 0; i < R.nmod; i++) {
		size_t j = model_module(w, R.mods[i]);
		dense prev = { 0 }, D;
		double *ang = NULL;
		for (size_t c = 0; c < R.nck; c++) {
			const ls_watch_cell *cell = &ls_watch_ckpt_at(w, c)->cells[j];
			dense_form(&D, &R.ck[c], R.mods[i]);
			assert_int_equal(cell->present, D.present);
			if (!D.present)
				continue;
			ang = realloc(ang, D.q * sizeof *ang);
			assert_non_null(ang);
			check_cell(cell, &D, &prev, R.ck[c].r, ang, t);
			dense_free(&prev);
			prev = D;
		}
		dense_free(&prev);
		free(ang);
	}
	ls_watch_free(w);
	ref_run_free(&R);
}

/* ---- the run built from tests/data's real adapter ---- */

typedef struct {
	char name[256]; /* module name (without PREFIX) */
	ls_mat A, B;    /* A_peft r×n, B_peft m×r */
} factor;

/* F64 safetensors of the factors, row-major as the format wants; skip leaves module skip
 * out, zero_b writes module zero_b's B as zeros (SIZE_MAX: none). */
static void write_factors(const char *path, const factor *f, size_t n, size_t skip, size_t zero_b)
{
	static char hdr[16384];
	size_t h = (size_t)snprintf(hdr, sizeof hdr, "{\"__metadata__\": {\"format\": \"pt\"}");
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == skip)
			continue;
		const ls_mat *m[2] = { &f[i].A, &f[i].B };
		for (int ab = 0; ab < 2; ab++) {
			size_t bytes = 8 * m[ab]->rows * m[ab]->cols;
			h += (size_t)snprintf(hdr + h, sizeof hdr - h,
					      ", \"" PREFIX "%s.lora_%c.weight\": {\"dtype\": "
					      "\"F64\", \"shape\": [%zu, %zu], \"data_offsets\": "
					      "[%zu, %zu]}",
					      f[i].name, "AB"[ab], m[ab] -> rows, m[ab] -> cols,
					      off, off + bytes);
			off += bytes;
		}
	}
	h += (size_t)snprintf(hdr + h, sizeof hdr - h, "}");
	assert_true(h < sizeof hdr);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	uint64_t n64 = h;
	fwrite(&n64, 8, 1, fp); /* the test hosts are little-endian, as the format */
	fwrite(hdr, 1, h, fp);
	for (size_t i = 0; i < n; i++) {
		if (i == skip)
			continue;
		const ls_mat *m[2] = { &f[i].A, &f[i].B };
		for (int ab = 0; ab < 2; ab++)
			for (size_t r = 0; r < m[ab]->rows; r++)
				for (size_t c = 0; c < m[ab]->cols; c++) {
					double v = ab == 1 && i == zero_b
							   ? 0.0
							   : m[ab]->data[r + c * m[ab]->ld];
					fwrite(&v, 8, 1, fp);
				}
	}
	assert_int_equal(fclose(fp), 0);
}

/* M += eps·rms(M)·G with G standard normal: a step of training, as far as this test cares. */
static void nudge(ls_mat *M, double eps, ls_rng *rng)
{
	double rms = ls_mat_norm(M) / sqrt((double)(M->rows * M->cols));
	for (size_t c = 0; c < M->cols; c++)
		for (size_t r = 0; r < M->rows; r++)
			M->data[r + c * M->ld] += eps * rms * ls_rng_normal(rng);
}

static void copy_file(const char *from, const char *dir, const char *name)
{
	size_t len;
	unsigned char *b = slurp(from, &len);
	char out[512];
	write_file(dir, name, b, len, out);
	free(b);
}

/* run/checkpoint-{10,20,30,40} as the head comment says; the later checkpoints hold the
 * first NDERIVED modules only (each dense SVD of a 768×768 ΔW costs). */
#define NDERIVED 4
static void build_run(const char *run)
{
	char real[300], file[700], ck[300];
	snprintf(real, sizeof real, "%s/peft-distilbert-imdb", LS_TEST_DATA);
	snprintf(file, sizeof file, "%s/adapter_model.safetensors", real);
	ls_safetensors st;
	assert_ok(ls_st_open(&st, file, NULL));
	factor f[64];
	size_t n = 0;
	for (size_t i = 0; i < st.count; i++) {
		const char *nm = st.tensors[i].name, *a = strstr(nm, ".lora_A.weight");
		if (!a)
			continue;
		assert_true(n < 64);
		size_t len = (size_t)(a - nm) - strlen(PREFIX);
		memcpy(f[n].name, nm + strlen(PREFIX), len);
		f[n].name[len] = 0;
		char bname[400];
		snprintf(bname, sizeof bname, PREFIX "%s.lora_B.weight", f[n].name);
		assert_ok(ls_st_tensor_matrix(&st, &st.tensors[i], false, &f[n].A, NULL));
		assert_ok(ls_st_tensor_matrix(&st, ls_st_find(&st, bname), false, &f[n].B, NULL));
		n++;
	}
	ls_st_close(&st);
	assert_int_equal(n, 12);

	snprintf(ck, sizeof ck, "%s/checkpoint-10", run);
	assert_int_equal(mkdir(ck, 0777), 0);
	copy_file(file, ck, "adapter_model.safetensors");
	snprintf(file, sizeof file, "%s/adapter_config.json", real);
	copy_file(file, ck, "adapter_config.json");

	static const char *const config[3] = {
		"{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 32, \"use_rslora\": true}",
		"{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16}",
		"{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16, \"use_rslora\": false}",
	};
	ls_rng rng;
	ls_rng_seed(&rng, 15);
	for (int t = 0; t < 3; t++) {
		for (size_t i = 0; i < NDERIVED; i++) {
			nudge(&f[i].A, 0.2, &rng);
			nudge(&f[i].B, 0.5, &rng);
		}
		snprintf(ck, sizeof ck, "%s/checkpoint-%d", run, 20 + 10 * t);
		assert_int_equal(mkdir(ck, 0777), 0);
		snprintf(file, sizeof file, "%s/adapter_model.safetensors", ck);
		/* checkpoint-30 lacks module 3 and has B = 0 in module 0 */
		write_factors(file, f, NDERIVED, t == 1 ? 3 : SIZE_MAX, t == 1 ? 0 : SIZE_MAX);
		write_file(ck, "adapter_config.json", config[t], strlen(config[t]), file);
	}
	for (size_t i = 0; i < n; i++) {
		ls_mat_free(&f[i].A);
		ls_mat_free(&f[i].B);
	}
}

/* The run both tests check: LS_WATCH_RUN, or one built into a scratch directory. */
static char run_dir[256];
static bool run_built;

static int setup_run(void **state)
{
	(void)state;
	const char *env = getenv("LS_WATCH_RUN");
	if (env && *env) {
		snprintf(run_dir, sizeof run_dir, "%s", env);
	} else {
		scratch_dir(run_dir);
		build_run(run_dir);
		run_built = true;
	}
	return 0;
}

static int teardown_run(void **state)
{
	(void)state;
	if (run_built)
		remove_dir(run_dir);
	return 0;
}

static void test_run_against_dense(void **state)
{
	(void)state;
	tally t = { 0 };
	check_run(run_dir, &t);
	print_message("watch %s: %zu cells, %zu drifts, %zu angles against dense dgesdd; worst "
		      "|dsigma|/sigma1 %.1e, drift rel %.1e, angle %.1e deg\n",
		      run_dir, t.cells, t.drifts, t.angles, t.sigma_err, t.drift_err, t.angle_err);
	if (!run_built)
		return;
	/* 12 modules in checkpoint-10, 4, 3 and 4 after; a drift for each of those but module 0
	 * at checkpoint-40 (after B = 0). */
	assert_int_equal(t.cells, 23);
	assert_int_equal(t.drifts, 10);
}

/* ---- `lorascope inspect --diff A B --json` against the same dense truth ---- */

static json_t *inspect_diff(const char *a, const char *b)
{
	if (strchr(a, '\'') || strchr(b, '\''))
		fail_msg("a quote in %s or %s", a, b);
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' inspect --diff --json '%s' '%s'", LS_TEST_LORASCOPE, a, b);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	json_error_t je;
	json_t *doc = json_loadf(p, JSON_DISABLE_EOF_CHECK, &je);
	assert_int_equal(pclose(p), 0);
	if (!doc)
		fail_msg("%s: %s", cmd, je.text);
	return doc;
}

static bool has_module(const ref_ckpt *c, const char *mod)
{
	char file[700], name[700];
	snprintf(file, sizeof file, "%s/adapter_model.safetensors", c->dir);
	snprintf(name, sizeof name, PREFIX "%s.lora_A.weight", mod);
	ls_safetensors st;
	assert_ok(ls_st_open(&st, file, NULL));
	bool has = ls_st_find(&st, name) != NULL;
	ls_st_close(&st);
	return has;
}

/* Every module of the diff of checkpoints pa and pb (the same one: drift exactly 0). */
static void check_diff(const ref_ckpt *pa, const ref_ckpt *pb, const ref_run *R, tally *t)
{
	json_t *doc = inspect_diff(pa->dir, pb->dir), *arr = json_object_get(doc, "modules"), *v;
	size_t idx, both = 0, rows = 0;
	double ang[64];
	json_array_foreach(arr, idx, v)
	{
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *in = json_string_value(json_object_get(v, "in"));
		assert_true(name && in);
		bool a = has_module(pa, name), b = has_module(pb, name);
		assert_string_equal(in, a && b ? "both" : a ? "A" : "B");
		rows++;
		if (!(a && b))
			continue;
		both++;
		dense P, Q;
		dense_form(&P, pa, name);
		if (pa != pb)
			dense_form(&Q, pb, name);
		const dense *q = pa != pb ? &Q : &P;
		json_t *rel = json_object_get(v, "relative_drift");
		json_t *angles = json_object_get(v, "principal_angles_deg");
		if (P.fro == 0) {
			assert_true(json_is_null(rel));
		} else if (pa == pb) {
			assert_true(json_real_value(rel) == 0);
		} else {
			double d = dense_drift(&P, q), got = json_number_value(rel);
			assert_close(got, d, 1e-8, 1e-12);
			note(&t->drift_err, fabs(got - d) / (d > 0 ? d : 1));
		}
		t->drifts++;
		assert_true(P.rank <= 64 && q->rank <= 64);
		size_t na = dense_angles(&P, q, ang);
		assert_int_equal(json_array_size(angles), na);
		for (size_t i = 0; i < na; i++) {
			double got = json_number_value(json_array_get(angles, i));
			assert_close(got, ang[i], 1e-9, 1e-4);
			note(&t->angle_err, fabs(got - ang[i]));
			if (pa == pb) /* the same numbers: no angle above 0 */
				assert_true(got == 0);
		}
		t->angles += na;
		dense_free(&P);
		if (pa != pb)
			dense_free(&Q);
	}
	/* every module of either checkpoint has its row */
	size_t want = 0;
	for (size_t i = 0; i < R->nmod; i++)
		want += has_module(pa, R->mods[i]) || has_module(pb, R->mods[i]);
	assert_int_equal(rows, want);
	json_t *sum = json_object_get(doc, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "both")), both);
	json_decref(doc);
}

static void test_inspect_diff_against_dense(void **state)
{
	(void)state;
	ref_run R;
	ref_run_read(&R, run_dir);
	tally t = { 0 };
	for (size_t c = 1; c < R.nck; c++)
		check_diff(&R.ck[c - 1], &R.ck[c], &R, &t);
	check_diff(&R.ck[R.nck - 1], &R.ck[R.nck - 1], &R, &t);
	print_message("inspect --diff %s: %zu drifts, %zu angles against dense dgesdd; worst drift "
		      "rel %.1e, angle %.1e deg\n",
		      run_dir, t.drifts, t.angles, t.drift_err, t.angle_err);
	if (run_built) /* 4, 3 and 3 modules in both, then checkpoint-40 with itself */
		assert_int_equal(t.drifts, 14);
	ref_run_free(&R);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_against_dense),
		cmocka_unit_test(test_inspect_diff_against_dense),
	};
	return cmocka_run_group_tests(tests, setup_run, teardown_run);
}
