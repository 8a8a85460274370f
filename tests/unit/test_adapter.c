/* test_adapter.c — the PEFT adapter reader. The fixture adapter's spectra must equal those
 * of s·B·A formed densely and run through LAPACK's SVD; adapters built here pin the config
 * semantics (rank_pattern/alpha_pattern as PEFT resolves them, rsLoRA, fan_in_fan_out), the
 * tensor naming variants, and each flag and error. */
#include "iotest.h"

#include "lorascope/adapter.h"
#include "lorascope/rng.h"

static void test_fixture_against_dense_svd(void **state)
{
	(void)state;
	char dir[512], file[600];
	snprintf(dir, sizeof dir, "%s/peft-distilbert-imdb", LS_TEST_DATA);
	snprintf(file, sizeof file, "%s/adapter_model.safetensors", dir);
	ls_adapter ad;
	ls_error err;
	if (ls_adapter_load(&ad, dir, false, &err) != LS_OK)
		fail_msg("%s", err.msg);
	assert_true(ad.has_config);
	assert_int_equal(ad.nmod, 12);
	assert_int_equal(ad.nsaved, 4);
	assert_int_equal(ad.nsaved_modules, 2);
	assert_int_equal(ad.nmag, 0);
	for (size_t i = 0; i < ad.nsaved; i++)
		/* classifier; pre_classifier ends with it (PEFT matches a plain suffix) */
		assert_true(ad.saved[i].listed);
	ls_safetensors st;
	assert_ok(ls_st_open(&st, file, NULL));
	ls_mat D, S;
	assert_ok(ls_mat_alloc(&D, 768, 768, NULL));
	assert_ok(ls_mat_alloc(&S, 768, 768, NULL));
	double *sd = malloc(768 * sizeof *sd);
	assert_non_null(sd);
	for (size_t k = 0; k < ad.nmod; k++) {
		const ls_adapter_module *m = &ad.modules[k];
		assert_int_equal(m->r, 8);
		assert_int_equal(m->out, 768);
		assert_int_equal(m->in, 768);
		assert_int_equal(m->k, 8);
		assert_close(m->scaling, 2.0, 0, 0);
		assert_int_equal(m->flags, 0);
		char name[256];
		ls_mat A, B;
		snprintf(name, sizeof name, "base_model.model.%s.lora_A.weight", m->name);
		assert_ok(ls_st_tensor_matrix(&st, ls_st_find(&st, name), false, &A, NULL));
		snprintf(name, sizeof name, "base_model.model.%s.lora_B.weight", m->name);
		assert_ok(ls_st_tensor_matrix(&st, ls_st_find(&st, name), false, &B, NULL));
		/* ΔW = s·B_peft·A_peft, dense, and every singular value by LAPACK. */
		assert_ok(ls_mat_gemm(false, false, 2.0, &B, &A, 0.0, &D));
		double fro = ls_mat_norm(&D);
		ls_mat_copy(&S, &D);
		assert_ok(ls_mat_svd_values(&S, sd, NULL));
		double ss = 0, nuc = 0;
		for (size_t i = 0; i < 8; i++) {
			assert_close(m->sigma[i], sd[i], 0, 1e-10 * sd[0]);
			ss += sd[i] * sd[i];
			nuc += sd[i];
		}
		assert_true(sd[8] <= 1e-12 * sd[0]); /* rank 8: the rest vanish */
		assert_close(m->fro, fro, 1e-10, 0);
		assert_close(m->spec, sd[0], 1e-10, 0);
		assert_close(m->nuclear, nuc, 1e-10, 0);
		assert_close(m->stable_rank, fro * fro / (sd[0] * sd[0]), 1e-9, 0);
		double acc = 0;
		size_t e90 = 0, e99 = 0;
		for (size_t i = 0; i < 8; i++) {
			acc += sd[i] * sd[i];
			if (!e90 && acc >= 0.9 * ss)
				e90 = i + 1;
			if (!e99 && acc >= 0.99 * ss)
				e99 = i + 1;
		}
		assert_int_equal(m->erank90, e90);
		assert_int_equal(m->erank99, e99);
		ls_mat_free(&A);
		ls_mat_free(&B);
	}
	free(sd);
	ls_mat_free(&D);
	ls_mat_free(&S);
	ls_st_close(&st);
	ls_adapter_free(&ad);
}

/* A tiny adapter writer: F64 tensors, row-major as safetensors wants. */
typedef struct {
	const char *name;
	size_t rows, cols; /* cols 0: a 1-D tensor of rows elements */
	const double *v;   /* rows×cols, row-major */
} tensor;

static void write_safetensors(const char *path, const tensor *t, size_t n)
{
	char hdr[8192];
	size_t h = (size_t)snprintf(hdr, sizeof hdr, "{\"__metadata__\": {\"format\": \"pt\"}");
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		size_t cnt = t[i].rows * (t[i].cols ? t[i].cols : 1);
		if (t[i].cols)
			h += (size_t)snprintf(hdr + h, sizeof hdr - h,
					      ", \"%s\": {\"dtype\": \"F64\", "
					      "\"shape\": [%zu, %zu], "
					      "\"data_offsets\": [%zu, %zu]}",
					      t[i].name, t[i].rows, t[i].cols, off, off + 8 * cnt);
		else
			h += (size_t)snprintf(hdr + h, sizeof hdr - h,
					      ", \"%s\": {\"dtype\": \"F64\", \"shape\": [%zu], "
					      "\"data_offsets\": [%zu, %zu]}",
					      t[i].name, t[i].rows, off, off + 8 * cnt);
		off += 8 * cnt;
	}
	h += (size_t)snprintf(hdr + h, sizeof hdr - h, "}");
	assert_true(h < sizeof hdr);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	uint64_t n64 = h;
	fwrite(&n64, 8, 1, f); /* the test hosts are little-endian, as the format */
	fwrite(hdr, 1, h, f);
	for (size_t i = 0; i < n; i++)
		fwrite(t[i].v, sizeof(double), t[i].rows * (t[i].cols ? t[i].cols : 1), f);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[512];
	write_file(dir, name, text, strlen(text), path);
}

/* Loaded with bases: U·diag(σ)·Vᵀ is the dense ΔW, σ the same bits as without bases, and
 * the effective and noise ranks those of the dense spectrum (all 768 values). */
static void test_fixture_bases(void **state)
{
	(void)state;
	char dir[512], file[600];
	snprintf(dir, sizeof dir, "%s/peft-distilbert-imdb", LS_TEST_DATA);
	snprintf(file, sizeof file, "%s/adapter_model.safetensors", dir);
	ls_adapter ad, plain;
	assert_ok(ls_adapter_load(&ad, dir, true, NULL));
	assert_ok(ls_adapter_load(&plain, dir, false, NULL));
	ls_safetensors st;
	assert_ok(ls_st_open(&st, file, NULL));
	ls_mat D, US;
	assert_ok(ls_mat_alloc(&D, 768, 768, NULL));
	assert_ok(ls_mat_alloc(&US, 768, 8, NULL));
	double sd[768];
	for (size_t k = 0; k < ad.nmod; k++) {
		const ls_adapter_module *m = &ad.modules[k];
		assert_true(m->sigma == m->lr.sigma && m->k == m->lr.k);
		assert_null(plain.modules[k].lr.U.data);
		assert_memory_equal(m->sigma, plain.modules[k].sigma, 8 * sizeof(double));
		assert_int_equal(m->lr.U.rows, 768);
		assert_int_equal(m->lr.V.cols, 8);
		char name[256];
		ls_mat A, B;
		snprintf(name, sizeof name, "base_model.model.%s.lora_A.weight", m->name);
		assert_ok(ls_st_tensor_matrix(&st, ls_st_find(&st, name), false, &A, NULL));
		snprintf(name, sizeof name, "base_model.model.%s.lora_B.weight", m->name);
		assert_ok(ls_st_tensor_matrix(&st, ls_st_find(&st, name), false, &B, NULL));
		assert_ok(ls_mat_gemm(false, false, 2.0, &B, &A, 0.0, &D));
		double fro = ls_mat_norm(&D);
		assert_ok(ls_mat_copy(&US, &m->lr.U));
		for (size_t j = 0; j < 8; j++)
			for (size_t i = 0; i < 768; i++)
				LS_AT(US, i, j) *= m->sigma[j];
		assert_ok(ls_mat_gemm(false, true, -1.0, &US, &m->lr.V, 1.0, &D));
		assert_true(ls_mat_norm(&D) <= 1e-12 * fro);
		/* The dense spectrum: exp(entropy of σ/Σσ), and σ_i above ‖σ‖·2/√768. */
		assert_ok(ls_mat_gemm(false, false, 2.0, &B, &A, 0.0, &D));
		assert_ok(ls_mat_svd_values(&D, sd, NULL));
		double sum = 0, ss = 0, h = 0;
		for (size_t i = 0; i < 768; i++)
			sum += sd[i], ss += sd[i] * sd[i];
		size_t noise = 0;
		for (size_t i = 0; i < 768; i++) {
			double p = sd[i] / sum;
			h -= p > 1e-300 ? p * log(p) : 0.0;
			noise += sd[i] > sqrt(ss) * 2.0 / sqrt(768.0);
		}
		assert_close(m->effective_rank, exp(h), 1e-9, 0);
		assert_int_equal(m->noise_rank, noise);
		ls_mat_free(&A);
		ls_mat_free(&B);
	}
	ls_st_close(&st);
	ls_mat_free(&D);
	ls_mat_free(&US);
	ls_adapter_free(&ad);
	ls_adapter_free(&plain);
}

static const ls_adapter_module *find_module(const ls_adapter *ad, const char *name)
{
	for (size_t i = 0; i < ad->nmod; i++)
		if (strcmp(ad->modules[i].name, name) == 0)
			return &ad->modules[i];
	fail_msg("module %s missing", name);
	return NULL;
}

static void test_patterns_and_variants(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	static const double a4[4 * 3] = { 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1 };
	static const double b4[2 * 4] = { 1, 2, 3, 4, 0, 1, 0, 1 };
	static const double a2[2 * 3] = { 1, 2, 3, 0, 0, 1 };
	static const double b2[2 * 2] = { 2, 0, 0, 3 };
	static const double zero8[2 * 4] = { 0 };
	static const double mag[2] = { 0.5, 2 };
	tensor t[] = {
		{ "base_model.model.model.layers.0.q_proj.lora_A.weight", 4, 3, a4 },
		{ "base_model.model.model.layers.0.q_proj.lora_B.weight", 2, 4, b4 },
		{ "base_model.model.model.layers.0.q_proj.lora_magnitude_vector", 2, 0, mag },
		{ "base_model.model.model.layers.1.q_proj.lora_A.default.weight", 2, 3, a2 },
		{ "base_model.model.model.layers.1.q_proj.lora_B.default.weight", 2, 2, b2 },
		{ "base_model.model.model.layers.1.v_proj.lora_A.weight", 4, 3, a4 },
		{ "base_model.model.model.layers.1.v_proj.lora_B.weight", 2, 4, zero8 },
		{ "base_model.model.score.modules_to_save.default.weight", 2, 2, b2 },
		{ "base_model.model.extra.weight", 2, 2, b2 },
	};
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	write_safetensors(path, t, sizeof t / sizeof t[0]);
	write_text(dir, "adapter_config.json",
		   "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"use_rslora\": true,"
		   " \"rank_pattern\": {\"layers\\\\.1\\\\.q_proj\": 2, \"q_proj\": 4},"
		   " \"alpha_pattern\": {\"v_proj\": 3}, \"fan_in_fan_out\": true,"
		   " \"modules_to_save\": [\"score\"], \"use_dora\": true}");
	ls_adapter ad;
	ls_error err;
	if (ls_adapter_load(&ad, dir, false, &err) != LS_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(ad.nmod, 3);
	const ls_adapter_module *q0 = find_module(&ad, "model.layers.0.q_proj");
	const ls_adapter_module *q1 = find_module(&ad, "model.layers.1.q_proj");
	const ls_adapter_module *v1 = find_module(&ad, "model.layers.1.v_proj");
	/* rsLoRA: s = alpha/√r with r and alpha from the patterns (first matching key). */
	assert_close(q0->scaling, 8 / sqrt(4), 1e-15, 0);
	assert_close(q1->scaling, 8 / sqrt(2), 1e-15, 0);
	assert_close(v1->scaling, 3 / sqrt(4), 1e-15, 0);
	assert_true(q0->transposed && q1->transposed);
	assert_int_equal(q0->flags, 0);
	assert_int_equal(q1->flags, 0);
	assert_int_equal(v1->flags, LS_AF(LS_AF_B_ZERO));
	assert_int_equal(ad.nzero, 1);
	assert_true(v1->fro == 0 && v1->erank90 == 0 && v1->stable_rank == 0);
	/* q1: ΔW = s·B·A with B = diag(2, 3), A = [[1 2 3], [0 0 1]]: the σ of [[2 4 6], [0 0 3]]
	 * are the square roots of the eigenvalues of [[56, 18], [18, 9]] (= G Gᵀ). */
	double tr = 65, det = 56 * 9 - 18 * 18;
	double l1 = tr / 2 + sqrt(tr * tr / 4 - det), l2 = tr / 2 - sqrt(tr * tr / 4 - det);
	assert_int_equal(q1->k, 2);
	assert_close(q1->sigma[0], q1->scaling * sqrt(l1), 1e-13, 0);
	assert_close(q1->sigma[1], q1->scaling * sqrt(l2), 1e-13, 0);
	/* q0 has r = 4 > out = 2: two singular values. */
	assert_int_equal(q0->k, 2);
	assert_int_equal(ad.nmag, 1);
	assert_string_equal(ad.magnitudes[0].module, "model.layers.0.q_proj");
	assert_true(ad.magnitudes[0].min == 0.5 && ad.magnitudes[0].max == 2.0);
	assert_close(ad.magnitudes[0].mean, 1.25, 1e-15, 0);
	assert_int_equal(ad.nsaved, 2);
	assert_int_equal(ad.nsaved_modules, 2);
	assert_string_equal(ad.saved[0].module, "extra");
	assert_false(ad.saved[0].listed);
	assert_string_equal(ad.saved[1].module, "score");
	assert_true(ad.saved[1].listed);
	ls_adapter_free(&ad);

	/* A config whose r disagrees with the tensors: flagged, and s uses the config's r as
	 * PEFT does (alpha/r = 8/3 without rsLoRA). */
	write_text(dir, "adapter_config.json", "{\"r\": 3, \"lora_alpha\": 8}");
	assert_ok(ls_adapter_load(&ad, dir, false, NULL));
	q1 = find_module(&ad, "model.layers.1.q_proj");
	assert_true(q1->flags & LS_AF(LS_AF_R_MISMATCH));
	assert_close(q1->scaling, 8.0 / 3.0, 1e-15, 0);
	assert_false(q1->transposed);
	ls_adapter_free(&ad);

	/* The same file alone (no config beside it under another name): s = 1. */
	char other[512];
	snprintf(other, sizeof other, "%s/copy.safetensors", dir);
	assert_int_equal(rename(path, other), 0);
	assert_ok(ls_adapter_load(&ad, other, false, NULL));
	assert_false(ad.has_config);
	assert_close(find_module(&ad, "model.layers.1.q_proj")->scaling, 1.0, 0, 0);
	ls_adapter_free(&ad);
	remove_dir(dir);
}

static void test_pattern_semantics(void **state)
{
	(void)state;
	const char *json = "{\"r\": 8, \"lora_alpha\": 16, \"rank_pattern\": {\"proj\": 1,"
			   " \"q_proj\": 2, \"layers\\\\.[0-3]\\\\..*v_proj\": 3},"
			   " \"alpha_pattern\": {\"model.layers.5.k_proj\": 5}}";
	ls_adapter_config cfg;
	assert_ok(ls_adapter_config_parse(&cfg, json, strlen(json), "c.json", NULL));
	double r, a;
	/* "proj" must match a whole trailing component run, not a suffix of "q_proj". */
	ls_adapter_config_lookup(&cfg, "model.layers.0.q_proj", &r, &a);
	assert_true(r == 2 && a == 16);
	ls_adapter_config_lookup(&cfg, "model.layers.2.self_attn.v_proj", &r, &a);
	assert_true(r == 3 && a == 16);
	ls_adapter_config_lookup(&cfg, "model.layers.7.self_attn.v_proj", &r, &a);
	assert_true(r == 8);
	ls_adapter_config_lookup(&cfg, "model.proj", &r, &a);
	assert_true(r == 1);
	ls_adapter_config_lookup(&cfg, "proj", &r, &a);
	assert_true(r == 1);
	ls_adapter_config_lookup(&cfg, "model.layers.5.k_proj", &r, &a);
	assert_true(r == 8 && a == 5);
	/* '.' in a key is a regex dot, as in PEFT. */
	ls_adapter_config_lookup(&cfg, "modelxlayersx5xk_proj", &r, &a);
	assert_true(a == 5);
	ls_adapter_config_lookup(&cfg, "xmodel.layers.5.k_proj", &r, &a);
	assert_true(a == 16);
	ls_adapter_config_free(&cfg);
	/* Two keys match: the first in file order wins, as in PEFT. */
	const char *j2 = "{\"rank_pattern\": {\"q_proj\": 2, \"layers\\\\.0\\\\.q_proj\": 7}}";
	assert_ok(ls_adapter_config_parse(&cfg, j2, strlen(j2), "c.json", NULL));
	ls_adapter_config_lookup(&cfg, "model.layers.0.q_proj", &r, &a);
	assert_true(r == 2 && a == 8);
	ls_adapter_config_free(&cfg);
	const char *j3 = "{\"rank_pattern\": {\"layers\\\\.0\\\\.q_proj\": 7, \"q_proj\": 2}}";
	assert_ok(ls_adapter_config_parse(&cfg, j3, strlen(j3), "c.json", NULL));
	ls_adapter_config_lookup(&cfg, "model.layers.0.q_proj", &r, &a);
	assert_true(r == 7);
	ls_adapter_config_lookup(&cfg, "model.layers.1.q_proj", &r, &a);
	assert_true(r == 2);
	ls_adapter_config_free(&cfg);
}

static void test_loud_outlier(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	/* Six 6×6 modules of rank 3: five with one dominant direction, one with three equal
	 * directions and a larger norm. */
	enum { N = 6, R = 3, D = 6 };
	static double A[N][R * D], B[N][D * R];
	char names[2 * N][80];
	tensor t[2 * N];
	for (int k = 0; k < N; k++) {
		memset(A[k], 0, sizeof A[k]);
		memset(B[k], 0, sizeof B[k]);
		for (int i = 0; i < R; i++) {
			double w = k == N - 1 ? 3.0 : (i == 0 ? 1.0 + 0.05 * k : 0.1);
			A[k][i * D + i] = w;   /* A_peft r×in, row i */
			B[k][i * R + i] = 1.0; /* B_peft out×r */
		}
		snprintf(names[2 * k], 80, "m.l%d.lora_A.weight", k);
		snprintf(names[2 * k + 1], 80, "m.l%d.lora_B.weight", k);
		t[2 * k] = (tensor){ names[2 * k], R, D, A[k] };
		t[2 * k + 1] = (tensor){ names[2 * k + 1], D, R, B[k] };
	}
	snprintf(path, sizeof path, "%s/loud.safetensors", dir);
	write_safetensors(path, t, 2 * N);
	ls_adapter ad;
	assert_ok(ls_adapter_load(&ad, path, false, NULL));
	assert_int_equal(ad.nmod, N);
	assert_int_equal(ad.nloud, 1);
	for (int k = 0; k < N; k++) {
		char name[16];
		snprintf(name, sizeof name, "m.l%d", k);
		const ls_adapter_module *m = find_module(&ad, name);
		assert_int_equal(!!(m->flags & LS_AF(LS_AF_LOUD)), k == N - 1);
		if (k == N - 1) {
			assert_close(m->stable_rank, 3.0, 1e-12, 0);
			assert_int_equal(m->erank90, 3);
		}
	}
	ls_adapter_free(&ad);
	/* A NaN in one factor: flagged, the others still measured. */
	A[0][1] = NAN;
	write_safetensors(path, t, 2 * N);
	assert_ok(ls_adapter_load(&ad, path, false, NULL));
	assert_int_equal(ad.nnonfinite, 1);
	assert_true(find_module(&ad, "m.l0")->flags & LS_AF(LS_AF_NONFINITE));
	assert_true(isnan(find_module(&ad, "m.l0")->sigma[0]));
	assert_true(find_module(&ad, "m.l5")->flags & LS_AF(LS_AF_LOUD));
	ls_adapter_free(&ad);
	remove_dir(dir);
}

static void test_errors(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	ls_adapter ad;
	ls_error err;
	assert_int_equal(ls_adapter_load(&ad, dir, false, &err), LS_EIO);
	assert_contains(err.msg, "no adapter_model.safetensors in this directory");
	write_text(dir, "adapter_model.bin", "pickle");
	assert_int_equal(ls_adapter_load(&ad, dir, false, &err), LS_EIO);
	assert_contains(err.msg, "only adapter_model.bin (a pickle) found");
	static const double one[1] = { 1 };
	tensor lone[] = { { "x.lora_A.weight", 1, 1, one } };
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	write_safetensors(path, lone, 1);
	assert_int_equal(ls_adapter_load(&ad, dir, false, &err), LS_EIO);
	assert_contains(err.msg, "no adapter_config.json");
	static const struct {
		const char *json;
		ls_status code;
		const char *msg;
	} cfgs[] = {
		{ "{\"r\": 4,}", LS_EFORMAT, "adapter_config.json: bad JSON at line 1" },
		{ "{\"peft_type\": \"LOHA\"}", LS_EUNSUPPORTED, "peft_type 'LOHA' not supported" },
		{ "{\"r\": -1}", LS_EFORMAT, "'r' must be a positive number" },
		{ "{\"use_rslora\": 1}", LS_EFORMAT, "'use_rslora' must be true or false" },
		{ "{\"rank_pattern\": {\"(q\": 2}}", LS_EFORMAT,
		  "rank_pattern key '(q' is not a valid regular expression" },
		{ "{\"rank_pattern\": {\"q\": 2.5}}", LS_EFORMAT,
		  "rank_pattern['q'] must be an integer" },
		{ "{\"alpha_pattern\": []}", LS_EFORMAT, "'alpha_pattern' must be an object" },
		{ "{\"modules_to_save\": [1]}", LS_EFORMAT, "'modules_to_save' must be a list" },
		{ "[]", LS_EFORMAT, "not a JSON object" },
		{ "{}", LS_EFORMAT, "'x.lora_A.weight' has no matching lora_B tensor" },
	};
	for (size_t c = 0; c < sizeof cfgs / sizeof cfgs[0]; c++) {
		write_text(dir, "adapter_config.json", cfgs[c].json);
		ls_status s = ls_adapter_load(&ad, dir, false, &err);
		if (s != cfgs[c].code)
			fail_msg("case %zu: %s, \"%s\"", c, ls_strerror(s), err.msg);
		assert_contains(err.msg, cfgs[c].msg);
		assert_null(ad.modules);
	}
	tensor bad_rank[] = { { "x.lora_A.weight", 1, 1, one },
			      { "x.lora_B.weight", 1, 0, one },
			      { "y.lora_B.weight", 1, 1, one } };
	write_safetensors(path, bad_rank, 1);
	write_safetensors(path, bad_rank + 2, 1);
	assert_int_equal(ls_adapter_load(&ad, dir, false, &err), LS_EFORMAT);
	assert_contains(err.msg, "'y.lora_B.weight' has no matching lora_A tensor");
	tensor plain[] = { { "w", 1, 1, one } };
	write_safetensors(path, plain, 1);
	assert_int_equal(ls_adapter_load(&ad, dir, false, &err), LS_EFORMAT);
	assert_contains(err.msg, "no LoRA modules");
	snprintf(path, sizeof path, "%s/missing", dir);
	assert_int_equal(ls_adapter_load(&ad, path, false, &err), LS_EIO);
	assert_contains(err.msg, "missing: no such file or directory");
	remove_dir(dir);
}

/* Modules in natural order (layer 2 before layer 10), and an Embedding's LoRA (PEFT saves
 * bare "lora_embedding_A/B" parameters, A r×num_embeddings, B dim×r) analysed as a module
 * whose layer stores ΔWᵀ, its σ those of s·B·A. */
static void test_order_and_embeddings(void **state)
{
	(void)state;
	char dir[256], path[512];
	scratch_dir(dir);
	/* A 1×3 (r = 1) with B 2×1: ΔW = s·B·A is rank one, σ₁ = s·|A|·|B|. */
	static const double a1[] = { 1, 2, 2 }, b1[] = { 3, 4 };
	/* Embedding: A 2×4 (r = 2, 4 tokens), B 3×2 (dim 3). */
	static const double ea[] = { 1, 0, 2, 0, 0, 1, 0, 3 }, eb[] = { 1, 0, 0, 2, 1, 1 };
	const tensor t[] = {
		{ "base_model.model.layers.10.q.lora_A.weight", 1, 3, a1 },
		{ "base_model.model.layers.10.q.lora_B.weight", 2, 1, b1 },
		{ "base_model.model.layers.2.q.lora_A.weight", 1, 3, a1 },
		{ "base_model.model.layers.2.q.lora_B.weight", 2, 1, b1 },
		{ "base_model.model.embed_tokens.lora_embedding_A", 2, 4, ea },
		{ "base_model.model.embed_tokens.lora_embedding_B", 3, 2, eb },
		{ "base_model.model.layers.1.q.lora_A.weight", 1, 3, a1 },
		{ "base_model.model.layers.1.q.lora_B.weight", 2, 1, b1 },
	};
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	write_safetensors(path, t, sizeof t / sizeof t[0]);
	write_text(dir, "adapter_config.json", "{\"r\": 2, \"lora_alpha\": 4}");
	ls_adapter ad;
	ls_error err;
	if (ls_adapter_load(&ad, dir, false, &err) != LS_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(ad.nmod, 4);
	assert_int_equal(ad.nsaved, 0);
	assert_string_equal(ad.modules[0].name, "embed_tokens");
	assert_string_equal(ad.modules[1].name, "layers.1.q");
	assert_string_equal(ad.modules[2].name, "layers.2.q");
	assert_string_equal(ad.modules[3].name, "layers.10.q");
	const ls_adapter_module *e = &ad.modules[0];
	assert_true(e->transposed);
	assert_int_equal(e->out, 3);
	assert_int_equal(e->in, 4);
	assert_int_equal(e->r, 2);
	/* σ of s·B·A against LAPACK on the dense 3×4 product. */
	ls_mat B, A, D;
	assert_ok(ls_mat_alloc(&B, 3, 2, NULL));
	assert_ok(ls_mat_alloc(&A, 2, 4, NULL));
	assert_ok(ls_mat_alloc(&D, 3, 4, NULL));
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 2; j++)
			LS_AT(B, i, j) = eb[i * 2 + j];
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 4; j++)
			LS_AT(A, i, j) = ea[i * 4 + j];
	assert_ok(ls_mat_gemm(false, false, e->scaling, &B, &A, 0, &D));
	double sv[3];
	assert_ok(ls_mat_svd_values(&D, sv, NULL));
	assert_int_equal(e->k, 2);
	for (size_t i = 0; i < 2; i++)
		assert_close(e->sigma[i], sv[i], 1e-12, 1e-14);
	assert_close(e->scaling, 2.0, 0, 0);
	/* The rank-1 modules: σ₁ = s·|A|·|B| = 2·3·5. */
	assert_close(ad.modules[3].sigma[0], 30, 1e-13, 0);
	ls_mat_free(&A);
	ls_mat_free(&B);
	ls_mat_free(&D);
	ls_adapter_free(&ad);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_against_dense_svd),
		cmocka_unit_test(test_fixture_bases),
		cmocka_unit_test(test_patterns_and_variants),
		cmocka_unit_test(test_pattern_semantics),
		cmocka_unit_test(test_loud_outlier),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_order_and_embeddings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
