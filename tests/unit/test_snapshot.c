/* test_snapshot.c — ls_session_save / ls_session_load: a resumed session continues bit for bit
 * like the uninterrupted one (gd, sgd, momentum, adam, mk, after a rank change, with the α̂/β̂
 * cache and the history), diverged states, atomic writes, and broken snapshots refused with a
 * message naming the file; the state export/import under them, without files. */
#include "iotest.h"
#include "sessiontest.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lorascope/snapshot.h"

static ls_session *make(const char *const *kv)
{
	static const char *const base[] = { "problem", "regression", "m",       "12",   "n",
					    "10",      "true-rank",  "2",       "rank", "3",
					    "lr",      "0.02",       "samples", "64",   NULL };
	return session_from(base, kv);
}

static void save(const ls_session *s, const char *dir)
{
	ls_error err;
	if (ls_session_save(s, dir, &err) != LS_OK)
		fail_msg("save: %s", err.msg);
}

static ls_session *load(const char *dir)
{
	ls_session *s;
	ls_error err;
	if (ls_session_load(&s, dir, &err) != LS_OK)
		fail_msg("load: %s", err.msg);
	return s;
}

static bool same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* Two sessions in the very same state: factors, metrics and history, bit for bit. */
static void assert_same(const ls_session *a, const ls_session *b)
{
	assert_int_equal(ls_session_steps(a), ls_session_steps(b));
	const ls_lora *La = ls_session_lora(a), *Lb = ls_session_lora(b);
	assert_int_equal(La->r, Lb->r);
	for (size_t k = 0; k < La->nmod; k++)
		for (size_t j = 0; j < La->r; j++) {
			for (size_t i = 0; i < La->A[k].rows; i++)
				assert_true(
					same_double(LS_AT(La->A[k], i, j), LS_AT(Lb->A[k], i, j)));
			for (size_t i = 0; i < La->B[k].rows; i++)
				assert_true(
					same_double(LS_AT(La->B[k], i, j), LS_AT(Lb->B[k], i, j)));
		}
	const ls_metrics *ma = ls_session_metrics(a), *mb = ls_session_metrics(b);
	const double va[] = { ma->loss,
			      ma->reg_loss,
			      ma->grad_norm,
			      ma->eta,
			      ma->norm_fro,
			      ma->dist_star,
			      ma->ratio,
			      ma->threshold,
			      ma->mod[0].alpha_hat,
			      ma->mod[0].beta_hat,
			      ma->mk_lhs };
	const double vb[] = { mb->loss,
			      mb->reg_loss,
			      mb->grad_norm,
			      mb->eta,
			      mb->norm_fro,
			      mb->dist_star,
			      mb->ratio,
			      mb->threshold,
			      mb->mod[0].alpha_hat,
			      mb->mod[0].beta_hat,
			      mb->mk_lhs };
	for (size_t i = 0; i < sizeof va / sizeof va[0]; i++)
		if (!same_double(va[i], vb[i]))
			fail_msg("metric %zu: %.17g vs %.17g", i, va[i], vb[i]);
	assert_int_equal(ma->mk_checks, mb->mk_checks);
	assert_int_equal(ma->diverged, mb->diverged);
	const ls_history *ha = ls_session_history(a), *hb = ls_session_history(b);
	assert_int_equal(ha->len, hb->len);
	assert_int_equal(ha->stride, hb->stride);
	for (size_t i = 0; i < ha->len; i++) {
		assert_int_equal(ha->step[i], hb->step[i]);
#define SAME_SERIES(f, npy_col) assert_true(same_double(ha->f[i], hb->f[i]));
		LS_HISTORY_SERIES(SAME_SERIES)
#undef SAME_SERIES
	}
}

/* Uninterrupted 500 steps against 300 + save + load + 200, for one optimiser. */
static void resume_case(const char *const *kv, bool rank_change)
{
	char dir[256], snap[320];
	scratch_dir(dir);
	snprintf(snap, sizeof snap, "%s/snap", dir);
	ls_session *a = make(kv);
	ls_error err;
	assert_ok(ls_session_alphabeta(a, NULL, &err));
	step(a, 150);
	if (rank_change) {
		assert_ok(ls_session_set(a, "rank", "5", NULL, &err));
		assert_ok(ls_session_alphabeta(a, NULL, &err));
	}
	step(a, 150);
	save(a, snap);
	ls_session *b = load(snap);
	assert_same(a, b);
	char what[LS_METRICS_MSG_MAX];
	ls_change_format(ls_session_last_change(b), what, sizeof what);
	assert_true(strstr(what, "resumed") != NULL);
	step(a, 200);
	step(b, 200);
	assert_same(a, b);
	ls_session_free(a);
	ls_session_free(b);
	remove_dir(dir);
}

static void test_resume_gd(void **state)
{
	(void)state;
	const char *kv[] = { "optimizer", "gd", NULL };
	resume_case(kv, false);
}

static void test_resume_sgd(void **state)
{
	(void)state;
	const char *kv[] = { "optimizer", "sgd", "batch", "8", NULL };
	resume_case(kv, false);
}

static void test_resume_momentum_adam_mk(void **state)
{
	(void)state;
	const char *m[] = { "optimizer", "momentum", NULL };
	resume_case(m, false);
	const char *a[] = { "optimizer", "adam", "lr", "0.01", NULL };
	resume_case(a, false);
	const char *k[] = { "optimizer", "mk", NULL };
	resume_case(k, false);
}

static void test_resume_after_rank_change(void **state)
{
	(void)state;
	const char *a[] = { "optimizer", "adam", "lr", "0.01", NULL };
	resume_case(a, true);
	const char *s[] = { "optimizer", "sgd", "batch", "8", NULL };
	resume_case(s, true);
}

/* Two modules (mlp): every module's factors and moments come back. */
static void test_resume_two_modules(void **state)
{
	(void)state;
	const char *kv[] = { "problem",   "mlp",  "m",    "6",    "n",       "5",
			     "modules",   "2",    "rank", "2",    "samples", "32",
			     "optimizer", "adam", "lr",   "0.01", NULL };
	resume_case(kv, false);
}

/* A restart after the load reuses the saved restart counter: same init as the original. */
static void test_restart_counter(void **state)
{
	(void)state;
	char dir[256], snap[320];
	scratch_dir(dir);
	snprintf(snap, sizeof snap, "%s/snap", dir);
	const char *kv[] = { "init", "custom", "init-b", "0.1", NULL };
	ls_session *a = make(kv);
	ls_error err;
	assert_ok(ls_session_set(a, "init-a", "0.2", NULL, &err)); /* restart 1 */
	step(a, 20);
	save(a, snap);
	ls_session *b = load(snap);
	assert_ok(ls_session_reset(a, &err));
	assert_ok(ls_session_reset(b, &err));
	assert_same(a, b);
	ls_session_free(a);
	ls_session_free(b);
	remove_dir(dir);
}

static void test_diverged(void **state)
{
	(void)state;
	char dir[256], snap[320];
	scratch_dir(dir);
	snprintf(snap, sizeof snap, "%s/snap", dir);
	const char *kv[] = { "lr", "1e5", NULL };
	ls_session *a = make(kv);
	step(a, 50);
	assert_true(ls_session_diverged(a));
	save(a, snap);
	ls_session *b = load(snap);
	assert_true(ls_session_diverged(b));
	assert_int_equal(ls_session_steps(a), ls_session_steps(b));
	assert_string_equal(ls_session_metrics(a)->message, ls_session_metrics(b)->message);
	ls_session_free(a);
	ls_session_free(b);
	remove_dir(dir);
}

/* A session that keeps no history saves and loads with none (no history.npy) and continues
 * like the original; the state export carries the empty history too. */
static void test_resume_without_history(void **state)
{
	(void)state;
	char dir[256], snap[320], npy[400];
	scratch_dir(dir);
	snprintf(snap, sizeof snap, "%s/snap", dir);
	snprintf(npy, sizeof npy, "%s/history.npy", snap);
	const char *kv[] = { "optimizer", "gd", NULL };
	ls_session *a = make(kv);
	ls_session_keep_history(a, false);
	step(a, 150);
	assert_int_equal(ls_session_history(a)->len, 0);
	save(a, snap);
	assert_int_equal(access(npy, F_OK), -1);
	ls_session *b = load(snap);
	ls_session_keep_history(b, false);
	assert_same(a, b);
	step(a, 100);
	step(b, 100);
	assert_same(a, b);
	ls_session_state st;
	ls_error err;
	assert_ok(ls_session_state_export(a, &st, &err));
	assert_int_equal(st.hist.len, 0);
	ls_session *c;
	assert_ok(ls_session_create(&c, ls_session_config(a), NULL, &err));
	ls_session_keep_history(c, false);
	st.origin = "memory";
	assert_ok(ls_session_state_import(c, &st, &err));
	ls_session_state_free(&st);
	assert_same(a, c);
	ls_session_free(a);
	ls_session_free(b);
	ls_session_free(c);
	remove_dir(dir);
}

/* Saving replaces a previous snapshot, refuses any other directory, leaves no temporaries. */
/* ls_session_state_export into a session built from the same config, without files: the
 * same state, bit for bit (the α̂/β̂ cache and the history too), the same continuation, and a
 * RESUMED change naming the origin. A state of another shape is refused and changes nothing. */
static void state_round_trip(const char *const *kv)
{
	ls_session *a = make(kv);
	ls_error err;
	step(a, 120);
	assert_ok(ls_session_set(a, "rank", "2", NULL, &err));
	assert_ok(ls_session_alphabeta(a, NULL, &err));
	step(a, 80);
	ls_session_state st;
	assert_ok(ls_session_state_export(a, &st, &err));
	assert_int_equal(st.step, 200);
	assert_true(st.have_ab);
	ls_session *b;
	assert_ok(ls_session_create(&b, ls_session_config(a), NULL, &err));
	st.origin = "memory";
	assert_ok(ls_session_state_import(b, &st, &err));
	ls_session_state_free(&st);
	assert_same(a, b);
	const ls_change *ch = ls_session_last_change(b);
	assert_int_equal(ch->kind, LS_CHANGE_RESUMED);
	assert_int_equal(ch->step, 200);
	char what[LS_METRICS_MSG_MAX];
	ls_change_format(ch, what, sizeof what);
	assert_string_equal(what, "resumed from memory at step 200");
	step(a, 150);
	step(b, 150);
	assert_same(a, b);
	/* A rank-2 state into a rank-3 run: refused, the run as it was. */
	ls_session *c = make(kv);
	step(c, 10);
	assert_ok(ls_session_state_export(a, &st, &err));
	assert_int_equal(ls_session_state_import(c, &st, &err), LS_EDIM);
	ls_session_state_free(&st);
	assert_int_equal(ls_session_steps(c), 10);
	assert_int_equal(ls_session_last_change(c)->kind, LS_CHANGE_NONE);
	ls_session_free(a);
	ls_session_free(b);
	ls_session_free(c);
}

static void test_state_round_trip(void **state)
{
	(void)state;
	state_round_trip(NULL);
	const char *adam[] = { "optimizer", "adam", "lr", "0.01", NULL };
	state_round_trip(adam);
}

static void test_atomic_save(void **state)
{
	(void)state;
	char dir[256], snap[320], other[320], keep[400], bad[400];
	scratch_dir(dir);
	snprintf(snap, sizeof snap, "%s/snap", dir);
	ls_session *a = make(NULL);
	save(a, snap);
	step(a, 10);
	save(a, snap);
	assert_int_equal(dir_entries(dir), 1);
	ls_session *b = load(snap);
	assert_int_equal(ls_session_steps(b), 10);
	ls_session_free(b);
	snprintf(other, sizeof other, "%s/other", dir);
	assert_int_equal(mkdir(other, 0700), 0);
	snprintf(keep, sizeof keep, "%s/keep", other);
	FILE *f = fopen(keep, "w");
	assert_non_null(f);
	fclose(f);
	ls_error err;
	assert_int_not_equal(ls_session_save(a, other, &err), LS_OK);
	assert_non_null(strstr(err.msg, "not a lorascope snapshot"));
	assert_int_equal(access(keep, F_OK), 0);
	snprintf(bad, sizeof bad, "%s/missing/snap", dir);
	assert_int_not_equal(ls_session_save(a, bad, &err), LS_OK);
	assert_int_equal(dir_entries(dir), 2);
	ls_session_free(a);
	remove_dir(dir);
}

/* Copy src's files into a fresh dst. */
static void copy_dir(const char *src, const char *dst)
{
	assert_int_equal(mkdir(dst, 0700), 0);
	DIR *d = opendir(src);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char a[600], b[600], buf[4096];
		snprintf(a, sizeof a, "%s/%s", src, e->d_name);
		snprintf(b, sizeof b, "%s/%s", dst, e->d_name);
		FILE *in = fopen(a, "rb"), *out = fopen(b, "wb");
		assert_non_null(in);
		assert_non_null(out);
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, in)) > 0)
			assert_int_equal(fwrite(buf, 1, n, out), n);
		fclose(in);
		fclose(out);
	}
	closedir(d);
}

/* Load bad, expect failure, NULL and a message naming `names`. */
static void expect_refused(const char *bad, const char *names)
{
	ls_session *s = (ls_session *)1;
	ls_error err;
	ls_error_clear(&err);
	assert_int_not_equal(ls_session_load(&s, bad, &err), LS_OK);
	assert_null(s);
	if (!strstr(err.msg, names))
		fail_msg("message \"%s\" does not name %s", err.msg, names);
	assert_null(strchr(err.msg, '\n'));
}

static void test_broken(void **state)
{
	(void)state;
	char dir[256], snap[320], bad[320], p[600];
	scratch_dir(dir);
	snprintf(snap, sizeof snap, "%s/snap", dir);
	snprintf(bad, sizeof bad, "%s/bad", dir);
	const char *kv[] = { "optimizer", "adam", NULL };
	ls_session *a = make(kv);
	step(a, 30);
	save(a, snap);
	ls_session_free(a);
	/* no manifest */
	copy_dir(snap, bad);
	snprintf(p, sizeof p, "%s/manifest.json", bad);
	unlink(p);
	expect_refused(bad, "manifest.json");
	remove_dir(bad);
	/* truncated JSON */
	copy_dir(snap, bad);
	write_file(bad, "manifest.json", "{\"format\": ", 11, p);
	expect_refused(bad, "manifest.json");
	remove_dir(bad);
	/* another format, another version, a bad parameter */
	const char *manifests[] = { "{\"format\": \"x\", \"version\": 1}",
				    "{\"format\": \"lorascope-snapshot\", \"version\": 9}",
				    "{\"format\": \"lorascope-snapshot\", \"version\": 1, "
				    "\"params\": {\"lambda\": \"-1\"}}" };
	for (size_t i = 0; i < 3; i++) {
		copy_dir(snap, bad);
		write_file(bad, "manifest.json", manifests[i], strlen(manifests[i]), p);
		expect_refused(bad, "manifest.json");
		remove_dir(bad);
	}
	/* a missing and a truncated .npy */
	const char *files[] = { "A_0.npy", "vB_0.npy", "history.npy" };
	for (size_t i = 0; i < 3; i++) {
		copy_dir(snap, bad);
		snprintf(p, sizeof p, "%s/%s", bad, files[i]);
		unlink(p);
		expect_refused(bad, files[i]);
		remove_dir(bad);
		copy_dir(snap, bad);
		write_file(bad, files[i], "\x93NUMPY\x01", 7, p);
		expect_refused(bad, files[i]);
		remove_dir(bad);
	}
	expect_refused("/nonexistent/lorascope/snap", "manifest.json");
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume_gd),
		cmocka_unit_test(test_resume_sgd),
		cmocka_unit_test(test_resume_momentum_adam_mk),
		cmocka_unit_test(test_resume_after_rank_change),
		cmocka_unit_test(test_resume_two_modules),
		cmocka_unit_test(test_restart_counter),
		cmocka_unit_test(test_diverged),
		cmocka_unit_test(test_resume_without_history),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_atomic_save),
		cmocka_unit_test(test_broken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
