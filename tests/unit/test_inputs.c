/* test_inputs.c — the loader (loader.h): the files a config names read once each into an
 * ls_inputs, with the sizes they fix; the problems built from them: approx from .npy, .csv
 * and .tsv targets gives f and ∇f of the matrix, a PEFT pair of the fixture adapter maps as
 * A = lora_B, Bᵀ = lora_A; a missing file is named with its option; sizes over the readers'
 * limit are refused before allocation; each file is opened exactly once (inotify); a resumed
 * config's files are read without size work and refused by the problem when they changed; a
 * file parameter's change reads its file after the checks that need none. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>

#include "iotest.h"
#include "lorascope/config.h"
#include "lorascope/fileio.h"
#include "lorascope/init.h"
#include "lorascope/inputs.h"
#include "lorascope/loader.h"
#include "lorascope/lora.h"
#include "lorascope/problem.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	scratch_dir(dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_dir(dir);
	return 0;
}

/* path := dir/name */
static const char *at(char *path, const char *name)
{
	snprintf(path, 512, "%s/%s", dir, name);
	return path;
}

static ls_mat randmat(size_t r, size_t c, ls_rng *rng, double sd)
{
	ls_mat M;
	assert_ok(ls_mat_alloc(&M, r, c, NULL));
	ls_rng_fill_normal(rng, &M, 0.0, sd);
	return M;
}

static void save(const char *path, const ls_mat *M)
{
	ls_error err;
	if (ls_matrix_save(path, M, &err) != LS_OK)
		fail_msg("save %s: %s", path, err.msg);
}

static void set(ls_config *c, const char *name, const char *value)
{
	ls_error err;
	if (ls_config_set(c, name, value, &err) != LS_OK)
		fail_msg("set --%s %s: %s", name, value, err.msg);
}

/* Load c's files (nothing given) and build the problem; in keeps the matrices. */
static void build(ls_problem *p, ls_config *c, ls_inputs *in)
{
	ls_error err;
	ls_error_clear(&err);
	if (ls_inputs_load(c, NULL, in, &err) != LS_OK)
		fail_msg("load: %s", err.msg);
	ls_rng rng;
	ls_rng_seed(&rng, c->seed);
	if (ls_problem_create(p, c, in, &rng, &err) != LS_OK)
		fail_msg("create: %s", err.msg);
}

/* The message of loading c's files (which must fail with want; nothing is kept). */
static void resolve_fails(ls_config *c, const bool *given, ls_status want, char *msg)
{
	ls_error err;
	ls_error_clear(&err);
	ls_inputs in;
	ls_status st = ls_inputs_load(c, given, &in, &err);
	if (st != want)
		fail_msg("status %s, not %s: %s", ls_strerror(st), ls_strerror(want), err.msg);
	for (int k = 0; k < LS_INPUT_COUNT; k++)
		assert_false(in.have[k]);
	snprintf(msg, LS_ERROR_MSG_MAX, "%s", err.msg);
}

/* f and the factor gradients from the problem against fX(X) and G = ∇f(X) given here. */
static void check_factors(ls_problem *p, const ls_mat *A, const ls_mat *B, double s, double f,
			  const ls_mat *G)
{
	ls_factors F = { .nmod = 1, .A = A, .B = B, .s = &s };
	ls_mat GA, GB, WA, WB;
	assert_ok(ls_mat_alloc(&GA, A->rows, A->cols, NULL));
	assert_ok(ls_mat_alloc(&GB, B->rows, B->cols, NULL));
	assert_ok(ls_mat_alloc(&WA, A->rows, A->cols, NULL));
	assert_ok(ls_mat_alloc(&WB, B->rows, B->cols, NULL));
	double loss;
	assert_ok(p->type->loss_grad(p, &F, NULL, &loss, &GA, &GB));
	assert_close(loss, f, 1e-12, 1e-12);
	ls_mat_gemm(false, false, 1.0, G, B, 0.0, &WA); /* GA = ∇f·B */
	ls_mat_gemm(true, false, 1.0, G, A, 0.0, &WB);  /* GB = ∇fᵀ·A */
	ls_mat_axpy(&WA, -1.0, &GA);
	ls_mat_axpy(&WB, -1.0, &GB);
	assert_true(ls_mat_norm(&WA) <= 1e-12 * (1.0 + ls_mat_norm(&GA)));
	assert_true(ls_mat_norm(&WB) <= 1e-12 * (1.0 + ls_mat_norm(&GB)));
	ls_mat_free(&GA);
	ls_mat_free(&GB);
	ls_mat_free(&WA);
	ls_mat_free(&WB);
}

/* approx: M from .npy and from .csv gives f = ½‖M − X‖², ∇f = X − M; sizes from the file. */
static void test_approx_files(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 11);
	ls_mat M = randmat(7, 5, &rng, 1.0), A = randmat(7, 3, &rng, 0.5),
	       B = randmat(5, 3, &rng, 0.5);
	char path[512];
	const char *names[] = { "m.npy", "m.csv", "m.tsv" };
	for (int k = 0; k < 3; k++) {
		save(at(path, names[k]), &M);
		ls_config c;
		ls_config_defaults(&c);
		set(&c, "problem", "approx");
		set(&c, "target", path);
		ls_problem p;
		ls_inputs in;
		build(&p, &c, &in);
		ls_inputs_free(&in);
		assert_int_equal(c.m, 7);
		assert_int_equal(c.n, 5);
		assert_int_equal(c.rank, 5); /* the default 8 lowered to min(m, n) */
		ls_mat X, G;
		assert_ok(ls_mat_alloc(&X, 7, 5, NULL));
		assert_ok(ls_mat_alloc(&G, 7, 5, NULL));
		ls_mat_gemm(false, true, 1.5, &A, &B, 0.0, &X);
		ls_mat_copy(&G, &X);
		ls_mat_axpy(&G, -1.0, &M);
		double e = ls_mat_norm(&G);
		check_factors(&p, &A, &B, 1.5, 0.5 * e * e, &G);
		ls_mat_free(&X);
		ls_mat_free(&G);
		ls_problem_destroy(&p);
	}
	ls_mat_free(&M);
	ls_mat_free(&A);
	ls_mat_free(&B);
}

/* The fixture adapter's q_lin pair of layer 0: --init-a-file lora_B, --init-b-file lora_A
 * (r×n, transposed); sizes and r from the files; s·A·Bᵀ = (16/8)·B_peft·A_peft formed here
 * by loops. A B file of the wrong shape is refused naming it and both shapes. */
static void test_peft_pair(void **state)
{
	(void)state;
	const char *mod = "base_model.model.distilbert.transformer.layer.0.attention.q_lin";
	char a[600], b[600];
	snprintf(a, sizeof a, "%s/peft-distilbert-imdb/adapter_model.safetensors:%s.lora_B.weight",
		 LS_TEST_DATA, mod);
	snprintf(b, sizeof b, "%s/peft-distilbert-imdb/adapter_model.safetensors:%s.lora_A.weight",
		 LS_TEST_DATA, mod);
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "trace2");
	set(&c, "init-a-file", a);
	set(&c, "init-b-file", b);
	set(&c, "scaling", "alpha-r");
	set(&c, "alpha", "16");
	ls_problem p;
	ls_inputs in;
	build(&p, &c, &in);
	assert_int_equal(c.m, 768);
	assert_int_equal(c.n, 768);
	assert_int_equal(c.rank, 8);
	ls_lora L;
	ls_rng rng;
	ls_rng_seed(&rng, 3);
	ls_error err;
	assert_ok(ls_lora_alloc(&L, &p, (size_t)c.rank, c.scaling, c.alpha, &err));
	if (ls_init_apply(&L, &p, &c, &in, &rng, &err) != LS_OK)
		fail_msg("init: %s", err.msg);
	ls_inputs_free(&in);
	assert_close(L.s[0], 2.0, 0, 0);
	ls_mat Bp, Ap, X;
	assert_ok(ls_matrix_load(a, &Bp, &err)); /* lora_B 768×8 */
	assert_ok(ls_matrix_load(b, &Ap, &err)); /* lora_A 8×768 */
	assert_int_equal(Bp.rows, 768);
	assert_int_equal(Ap.rows, 8);
	assert_ok(ls_mat_alloc(&X, 768, 768, NULL));
	ls_mat_gemm(false, true, L.s[0], &L.A[0], &L.B[0], 0.0, &X);
	double maxerr = 0.0, maxval = 0.0;
	for (size_t j = 0; j < 768; j += 7)
		for (size_t i = 0; i < 768; i += 5) {
			double d = 0.0;
			for (size_t k = 0; k < 8; k++)
				d += LS_AT(Bp, i, k) * LS_AT(Ap, k, j);
			d *= 2.0;
			maxerr = fmax(maxerr, fabs(d - LS_AT(X, i, j)));
			maxval = fmax(maxval, fabs(d));
		}
	assert_true(maxval > 0.0);
	assert_true(maxerr <= 1e-12 * maxval);
	ls_mat_free(&X);
	ls_mat_free(&Bp);
	ls_mat_free(&Ap);
	ls_lora_free(&L);
	ls_problem_destroy(&p);
	/* A given --rank that disagrees with the files */
	ls_config_defaults(&c);
	set(&c, "problem", "trace2");
	set(&c, "init-a-file", a);
	set(&c, "rank", "4");
	bool given[LS_PARAM_COUNT] = { false };
	given[LS_PARAM_rank] = true;
	char msg[LS_ERROR_MSG_MAX];
	resolve_fails(&c, given, LS_EDIM, msg);
	assert_contains(msg, "is 768×8, but --rank 4 needs *×4");
	/* our own n×r B from .npy; then a B of the wrong shape */
	ls_rng_seed(&rng, 17);
	ls_mat M = randmat(6, 5, &rng, 1.0), Bo = randmat(5, 2, &rng, 1.0),
	       Bbad = randmat(4, 2, &rng, 1.0);
	char pm[512], pb[512];
	save(at(pm, "m.npy"), &M);
	save(at(pb, "b.npy"), &Bo);
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "target", pm);
	set(&c, "init-b-file", pb);
	build(&p, &c, &in);
	assert_int_equal(c.rank, 2);
	assert_ok(ls_lora_alloc(&L, &p, (size_t)c.rank, c.scaling, c.alpha, &err));
	assert_ok(ls_init_apply(&L, &p, &c, &in, &rng, &err));
	ls_inputs_free(&in);
	ls_mat_axpy(&L.B[0], -1.0, &Bo);
	assert_true(ls_mat_norm(&L.B[0]) == 0.0);
	ls_lora_free(&L);
	ls_problem_destroy(&p);
	save(at(pb, "bbad.npy"), &Bbad);
	set(&c, "init-b-file", pb);
	resolve_fails(&c, NULL, LS_EDIM, msg);
	assert_contains(msg, "bbad.npy is 4×2, but --target");
	assert_contains(msg, "m.npy needs 5×r");
	ls_mat_free(&M);
	ls_mat_free(&Bo);
	ls_mat_free(&Bbad);
}

/* Sizes over the readers' limit (2^31 elements) are refused from the header, before any
 * allocation: .npy and Matrix Market files announcing 2^20 × 2^20 (8 TiB), a safetensors
 * tensor of 2^31 + 2^16 bytes, and a CSV over the 1 GiB text limit, each through --target. */
static void test_size_limit(void **state)
{
	(void)state;
	char pn[512], pm[512];
	at(pn, "huge.npy");
	char hdr[128];
	int len = snprintf(
		hdr, sizeof hdr,
		"{'descr': '<f8', 'fortran_order': False, 'shape': (1048576, 1048576), }");
	int total = 10 + len + 1, pad = (64 - total % 64) % 64;
	FILE *f = fopen(pn, "wb");
	assert_non_null(f);
	unsigned short hl = (unsigned short)(len + pad + 1);
	fwrite("\x93NUMPY\x01\x00", 1, 8, f);
	fputc(hl & 0xff, f);
	fputc(hl >> 8, f);
	fwrite(hdr, 1, (size_t)len, f);
	for (int i = 0; i < pad; i++)
		fputc(' ', f);
	fputc('\n', f);
	fwrite("\0\0\0\0\0\0\0\0", 1, 8, f);
	fclose(f);
	f = fopen(at(pm, "huge.mtx"), "w");
	assert_non_null(f);
	fputs("%%MatrixMarket matrix array real general\n1048576 1048576\n1.0\n", f);
	fclose(f);
	char ps[512], pc[512];
	/* safetensors: the byte range must hold the tensor, so it is one just over 2^31 one-byte
	 * elements in a sparse file (2 GiB announced, a few bytes on disk). */
	f = fopen(at(ps, "huge.safetensors"), "wb");
	assert_non_null(f);
	const char *js = "{\"t\":{\"dtype\":\"U8\",\"shape\":[65536,32769],"
			 "\"data_offsets\":[0,2147549184]}}";
	unsigned long long jl = strlen(js);
	for (int i = 0; i < 8; i++)
		fputc((int)((jl >> (8 * i)) & 0xff), f);
	fputs(js, f);
	fclose(f);
	assert_int_equal(truncate(ps, (off_t)(8 + jl + 2147549184ULL)), 0);
	/* A CSV over the text limit (a sparse file: nothing is written to disk). */
	f = fopen(at(pc, "huge.csv"), "wb");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(truncate(pc, (off_t)LS_TEXT_MAX_BYTES + 1), 0);
	char pst[600];
	snprintf(pst, sizeof pst, "%s:t", ps);
	const char *paths[] = { pn, pm, pst, pc };
	const char *names[] = { "huge.npy", "huge.mtx", "huge.safetensors", "huge.csv" };
	for (int k = 0; k < 4; k++) {
		ls_config c;
		ls_config_defaults(&c);
		set(&c, "problem", "approx");
		set(&c, "target", paths[k]);
		char msg[LS_ERROR_MSG_MAX];
		resolve_fails(&c, NULL, LS_ETOOBIG, msg);
		assert_contains(msg, "--target: ");
		assert_contains(msg, names[k]);
	}
}

/* A missing file: one line naming the option and the file. */
static void test_missing_file(void **state)
{
	(void)state;
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "target", "/nonexistent/t.npy");
	char msg[LS_ERROR_MSG_MAX];
	resolve_fails(&c, NULL, LS_EIO, msg);
	assert_contains(msg, "--target: /nonexistent/t.npy");
	assert_null(strchr(msg, '\n'));
}

/* counts[k] := the opens of names[k] among the inotify events waiting on fd. */
static void count_opens(int fd, const char *const *names, int n, int *counts)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	memset(counts, 0, (size_t)n * sizeof *counts);
	ssize_t len;
	while ((len = read(fd, buf, sizeof buf)) > 0)
		for (char *q = buf; q < buf + len;) {
			const struct inotify_event *e = (const struct inotify_event *)q;
			for (int k = 0; k < n; k++)
				counts[k] += (e->mask & IN_OPEN) && e->len &&
					     strcmp(e->name, names[k]) == 0;
			q += sizeof *e + e->len;
		}
}

/* Every file regression can read with W0 (w0, inputs, outputs) and both init files, each
 * opened exactly once by the loader (inotify counts the opens); the sizes are still taken
 * from them and in holds each matrix. */
static void test_read_once(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 19);
	ls_mat W0 = randmat(4, 3, &rng, 1.0), Z = randmat(3, 10, &rng, 1.0),
	       Y = randmat(4, 10, &rng, 1.0), A = randmat(4, 2, &rng, 1.0),
	       B = randmat(3, 2, &rng, 1.0);
	const char *const names[] = { "w0.npy", "z.csv", "y.tsv", "a.npy", "b.csv" };
	const ls_input_id ids[] = { LS_INPUT_W0, LS_INPUT_INPUTS, LS_INPUT_OUTPUTS, LS_INPUT_INIT_A,
				    LS_INPUT_INIT_B };
	const ls_mat *mats[] = { &W0, &Z, &Y, &A, &B };
	char path[512];
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "regression");
	for (int k = 0; k < 5; k++) {
		save(at(path, names[k]), mats[k]);
		set(&c, ls_params[ls_input_params[ids[k]]].name, path);
	}
	int fd = inotify_init1(IN_NONBLOCK);
	if (fd < 0)
		skip();
	assert_true(inotify_add_watch(fd, dir, IN_OPEN) >= 0);
	ls_inputs in;
	ls_error err;
	ls_error_clear(&err);
	if (ls_inputs_load(&c, NULL, &in, &err) != LS_OK)
		fail_msg("load: %s", err.msg);
	int opens[5];
	count_opens(fd, names, 5, opens);
	close(fd);
	for (int k = 0; k < 5; k++)
		if (opens[k] != 1)
			fail_msg("%s opened %d times, not once", names[k], opens[k]);
	assert_int_equal(c.m, 4);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.samples, 10);
	assert_int_equal(c.rank, 2);
	for (int k = 0; k < 5; k++) {
		assert_true(in.have[ids[k]]);
		ls_mat D;
		assert_ok(ls_mat_alloc(&D, mats[k]->rows, mats[k]->cols, NULL));
		ls_mat_copy(&D, &in.mat[ids[k]]);
		ls_mat_axpy(&D, -1.0, mats[k]);
		assert_true(ls_mat_norm(&D) < 1e-15 * (1.0 + ls_mat_norm(mats[k])));
		ls_mat_free(&D);
	}
	ls_inputs_free(&in);
	ls_mat_free(&W0);
	ls_mat_free(&Z);
	ls_mat_free(&Y);
	ls_mat_free(&A);
	ls_mat_free(&B);
}

/* A resumed config's files are read as they are, no size work; a file whose shape changed
 * since is refused by the problem naming both shapes (as `run --resume` reports it). */
static void test_read_resolved(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 20);
	ls_mat M = randmat(2, 3, &rng, 1.0);
	char path[512];
	save(at(path, "w.csv"), &M);
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	set(&c, "m", "3");
	set(&c, "n", "2");
	set(&c, "rank", "1");
	set(&c, "target", path);
	ls_inputs in;
	ls_error err;
	assert_ok(ls_inputs_read(&c, &in, &err));
	assert_int_equal(c.m, 3); /* untouched */
	assert_true(in.have[LS_INPUT_TARGET]);
	assert_int_equal(in.mat[LS_INPUT_TARGET].rows, 2);
	ls_problem p;
	ls_rng_seed(&rng, 1);
	assert_int_equal(ls_problem_create(&p, &c, &in, &rng, &err), LS_EDIM);
	assert_contains(err.msg, "w.csv is 2×3, but --m 3 --n 2 needs 3×2");
	ls_problem_destroy(&p);
	ls_inputs_free(&in);
	set(&c, "target", "/nonexistent/t.npy");
	assert_int_equal(ls_inputs_read(&c, &in, &err), LS_EIO);
	assert_contains(err.msg, "--target: /nonexistent/t.npy");
	ls_mat_free(&M);
}

/* A change of one parameter: a file parameter's new file is read (after the checks that need
 * no matrix, so a file the problem does not read is refused unread); other parameters and ""
 * read nothing. */
static void test_load_change(void **state)
{
	(void)state;
	ls_rng rng;
	ls_rng_seed(&rng, 21);
	ls_mat M = randmat(5, 4, &rng, 1.0), T = { 0 };
	char path[512];
	save(at(path, "t.npy"), &M);
	ls_config c;
	ls_config_defaults(&c);
	set(&c, "problem", "approx");
	ls_error err;
	bool loaded = true;
	assert_ok(ls_input_load_change(&c, "lambda", "0.5", &T, &loaded, &err));
	assert_false(loaded);
	assert_ok(ls_input_load_change(&c, "target", "", &T, &loaded, &err));
	assert_false(loaded);
	assert_null(T.data);
	assert_ok(ls_input_load_change(&c, "target", path, &T, &loaded, &err));
	assert_true(loaded);
	assert_int_equal(T.rows, 5);
	assert_int_equal(T.cols, 4);
	ls_mat_free(&T);
	assert_int_equal(ls_input_load_change(&c, "w0", "/nonexistent/w.npy", &T, &loaded, &err),
			 LS_EINVAL);
	assert_false(loaded);
	assert_contains(err.msg, "--w0: approx reads no such file");
	assert_int_equal(
		ls_input_load_change(&c, "target", "/nonexistent/t.npy", &T, &loaded, &err),
		LS_EIO);
	assert_contains(err.msg, "--target: /nonexistent/t.npy");
	ls_mat_free(&M);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_approx_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peft_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test_setup_teardown(test_read_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_change, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
