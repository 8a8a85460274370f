/* test_watch.c — the run-directory model (watch.h): trainer_state.json parsing; runs written
 * by tests/e2e/watch_mkrun.py (python3, struct-written safetensors) scanned, a half-written
 * checkpoint skipped then picked up, deleted checkpoints dropped (drift against the one still
 * before), a module set that changes, adapter directories and DIR itself as an adapter; drift
 * and angles against dense LAPACK on the formed ΔW. */
#include <sys/stat.h>
#include <time.h>

#include "iotest.h"
#include "lorascope/mat.h"
#include "lorascope/safetensors.h"
#include "lorascope/watch.h"

#define MKRUN LS_TEST_DATA "/../e2e/watch_mkrun.py"
#define MODULE(l) "base_model.model.model.layers." #l ".self_attn.q_proj"

static void mkrun(const char *dir, const char *args)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "python3 '%s' '%s' %s", MKRUN, dir, args);
	assert_int_equal(system(cmd), 0);
}

static ls_watch *open_dir(const char *dir, bool poll)
{
	ls_watch_opts o = { .poll = poll, .interval = 1 };
	ls_watch *w = NULL;
	ls_error err = { 0 };
	if (ls_watch_open(&w, dir, &o, &err) != LS_OK)
		fail_msg("%s", err.msg);
	return w;
}

static unsigned refresh(ls_watch *w)
{
	unsigned changed = 0;
	ls_error err = { 0 };
	if (ls_watch_refresh(w, &changed, &err) != LS_OK)
		fail_msg("%s", err.msg);
	return changed;
}

/* ---- trainer_state.json ---- */

static void test_state_parse(void **state)
{
	(void)state;
	const char *text = "{\"global_step\": 20, \"note\": \"NaN inside a string\",\n"
			   " \"log_history\": [\n"
			   "  {\"epoch\": 0.5, \"grad_norm\": NaN, \"learning_rate\": 1e-4,\n"
			   "   \"loss\": 2.5, \"step\": 10},\n"
			   "  {\"eval_loss\": Infinity, \"step\": 10},\n"
			   "  {\"loss\": -Infinity, \"step\": 20, \"extra\": [1, 2]},\n"
			   "  {\"train_loss\": 1.0, \"step\": 20}]}";
	ls_watch_curves c = { 0 };
	ls_error err = { 0 };
	assert_ok(ls_trainer_state_parse(&c, text, strlen(text), "ts.json", &err));
	assert_int_equal(c.n, 4);
	assert_string_equal(c.source, "ts.json");
	assert_close(c.step[0], 10, 0, 0);
	assert_close(c.epoch[0], 0.5, 0, 0);
	assert_true(isnan(c.grad_norm[0]));
	assert_close(c.learning_rate[0], 1e-4, 0, 0);
	assert_close(c.loss[0], 2.5, 0, 0);
	assert_true(isnan(c.loss[1]) && isinf(c.eval_loss[1]) && c.eval_loss[1] > 0);
	assert_true(isinf(c.loss[2]) && c.loss[2] < 0);
	assert_true(isnan(c.epoch[1]) && isnan(c.loss[3]) && isnan(c.eval_loss[3]));
	assert_close(c.step[3], 20, 0, 0);
	ls_watch_curves_free(&c);
	assert_null(c.step);
}

static void test_state_bad(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "[1, 2]", "not a JSON object" },
		{ "{\"global_step\": 3}", "no log_history array" },
		{ "{\"log_history\": {}}", "no log_history array" },
		{ "{\"log_history\": [3]}", "log_history[0] is not an object" },
		{ "{\"log_history\": [{\"step\": 1}, {\"loss\": \"low\"}]}",
		  "log_history[1].loss is not a number" },
		{ "{\"log_history\": [{\"step\": 1}", "ts.json: line" },
		{ "{\"log_history\": [{\"step\": Nan}]}", "ts.json: line" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ls_watch_curves c = { 0 };
		ls_error err = { 0 };
		assert_int_not_equal(ls_trainer_state_parse(&c, bad[i].text, strlen(bad[i].text),
							    "ts.json", &err),
				     LS_OK);
		assert_contains(err.msg, bad[i].why);
		assert_contains(err.msg, "ts.json");
		assert_int_equal(c.n, 0);
		assert_null(c.step);
	}
}

/* ---- independent truth: the dense ΔW = s·B_peft·A_peft and LAPACK ---- */

static void dense_dw(const char *ckpt, int layer, ls_mat *W)
{
	char path[512], name[128];
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", ckpt);
	ls_mat A = { 0 }, B = { 0 };
	ls_error err = { 0 };
	snprintf(name, sizeof name,
		 "base_model.model.model.layers.%d.self_attn.q_proj.lora_A.weight", layer);
	assert_ok(ls_st_load_matrix(path, name, &A, &err));
	snprintf(name, sizeof name,
		 "base_model.model.model.layers.%d.self_attn.q_proj.lora_B.weight", layer);
	assert_ok(ls_st_load_matrix(path, name, &B, &err));
	assert_ok(ls_mat_alloc(W, B.rows, A.cols, &err));
	ls_mat_gemm(false, false, 8.0 / 4.0, &B, &A, 0.0, W); /* s = lora_alpha/r = 8/4 */
	ls_mat_free(&A);
	ls_mat_free(&B);
}

static double fro(const ls_mat *M)
{
	double s = 0;
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++)
			s += LS_AT(*M, i, j) * LS_AT(*M, i, j);
	return sqrt(s);
}

/* Relative change and the largest principal angle (degrees) between the rank-k column
 * spaces of P and Q, from their dense SVDs. */
static void dense_drift(const ls_mat *P, const ls_mat *Q, size_t k, double *rel, double *angle)
{
	ls_error err = { 0 };
	ls_mat D = { 0 }, Pc = { 0 }, Qc = { 0 }, Up = { 0 }, Uq = { 0 }, Vt = { 0 }, C = { 0 };
	size_t m = P->rows, n = P->cols, mn = m < n ? m : n;
	double s[64];
	assert_ok(ls_mat_alloc(&D, m, n, &err));
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < m; i++)
			LS_AT(D, i, j) = LS_AT(*Q, i, j) - LS_AT(*P, i, j);
	*rel = fro(&D) / fro(P);
	assert_ok(ls_mat_alloc(&Pc, m, n, &err));
	assert_ok(ls_mat_alloc(&Qc, m, n, &err));
	assert_ok(ls_mat_alloc(&Up, m, mn, &err));
	assert_ok(ls_mat_alloc(&Uq, m, mn, &err));
	assert_ok(ls_mat_alloc(&Vt, mn, n, &err));
	assert_ok(ls_mat_alloc(&C, k, k, &err));
	ls_mat_copy(&Pc, P);
	ls_mat_copy(&Qc, Q);
	assert_ok(ls_mat_svd(&Pc, s, &Up, &Vt, &err));
	assert_ok(ls_mat_svd(&Qc, s, &Uq, &Vt, &err));
	ls_mat U1 = ls_mat_cols(Up, 0, k), U2 = ls_mat_cols(Uq, 0, k);
	ls_mat_gemm(true, false, 1.0, &U1, &U2, 0.0, &C);
	assert_ok(ls_mat_svd_values(&C, s, &err));
	*angle = acos(fmin(1.0, s[k - 1])) * 180.0 / M_PI;
	ls_mat *all[] = { &D, &Pc, &Qc, &Up, &Uq, &Vt, &C };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ls_mat_free(all[i]);
}

static void check_drift(const ls_watch *w, size_t i, const char *prev, const char *cur, int layer)
{
	ls_mat P = { 0 }, Q = { 0 };
	dense_dw(prev, layer, &P);
	dense_dw(cur, layer, &Q);
	double rel, angle;
	dense_drift(&P, &Q, 4, &rel, &angle);
	const ls_watch_cell *c = &ls_watch_ckpt_at(w, i)->cells[layer];
	assert_true(c->present);
	assert_null(c->drift_why);
	assert_close(c->drift, rel, 1e-9, 1e-12);
	assert_close(c->angle_max, angle, 1e-6, 1e-6);
	assert_int_equal(c->nangles, 4);
	ls_mat_free(&P);
	ls_mat_free(&Q);
}

/* ---- the model on runs ---- */

static void test_trainer_run(void **state)
{
	(void)state;
	char dir[256], run[300], ck[400];
	scratch_dir(dir);
	snprintf(run, sizeof run, "%s/run", dir);
	mkrun(run, "100 200 1000 --modules 3 --theta 10");
	mkdir(strcat(strcpy(ck, run), "/runs"), 0777); /* not an adapter: ignored */
	/* The Trainer's final save_model beside the checkpoints: not a checkpoint. */
	char copy[512];
	size_t len;
	snprintf(ck, sizeof ck, "%s/checkpoint-100/adapter_config.json", run);
	unsigned char *cfg = slurp(ck, &len);
	write_file(run, "adapter_config.json", cfg, len, copy);
	free(cfg);
	ls_watch *w = open_dir(run, false);
	assert_int_equal(ls_watch_nckpt(w), 3);
	assert_int_equal(ls_watch_nmod(w), 3);
	assert_int_equal(ls_watch_npending(w), 0);
	const long steps[] = { 100, 200, 1000 };
	for (size_t i = 0; i < 3; i++) {
		const ls_watch_ckpt *k = ls_watch_ckpt_at(w, i);
		assert_int_equal(k->step, steps[i]);
		assert_int_equal(k->seq, i + 1);
	}
	assert_string_equal(ls_watch_ckpt_at(w, 2)->name, "checkpoint-1000");
	assert_string_equal(ls_watch_module_at(w, 1)->name, "model.layers.1.self_attn.q_proj");
	assert_int_equal(ls_watch_module_at(w, 1)->out, 12);
	assert_int_equal(ls_watch_module_at(w, 1)->in, 10);
	assert_int_equal(ls_watch_module_at(w, 1)->r, 4);
	/* σ(ΔW) = s·(l + 1)(t + 1)(r − i) at the first checkpoint (exact in F32). */
	const ls_watch_cell *c = &ls_watch_ckpt_at(w, 0)->cells[2];
	assert_int_equal(c->k, 4);
	for (size_t i = 0; i < 4; i++)
		assert_close(c->sigma[i], 2.0 * 3 * (4 - (double)i), 1e-12, 0);
	assert_close(c->fro, 2.0 * 3 * sqrt(30.0), 1e-12, 0);
	assert_close(c->spec, 24, 1e-12, 0);
	assert_close(c->stable_rank, 30.0 / 16, 1e-12, 0);
	assert_string_equal(c->drift_why, "first checkpoint");
	assert_true(isnan(c->drift) && isnan(c->angle_max));
	for (int l = 0; l < 3; l++) {
		char a[400], b[400];
		snprintf(a, sizeof a, "%s/checkpoint-100", run);
		snprintf(b, sizeof b, "%s/checkpoint-200", run);
		check_drift(w, 1, a, b, l);
		snprintf(a, sizeof a, "%s/checkpoint-1000", run);
		check_drift(w, 2, b, a, l);
	}
	assert_close(ls_watch_ckpt_at(w, 2)->cells[0].angle_max, 10, 1e-5, 0);
	/* Curves: the last checkpoint's trainer_state.json, two entries a checkpoint. */
	const ls_watch_curves *cv = ls_watch_curves_get(w);
	assert_int_equal(cv->n, 6);
	assert_contains(cv->source, "checkpoint-1000/trainer_state.json");
	assert_close(cv->step[4], 1000, 0, 0);
	assert_close(cv->loss[4], 2.0 / 3, 1e-15, 0);
	assert_close(cv->eval_loss[5], 2.5 / 3, 1e-15, 0);
	assert_true(isnan(cv->eval_loss[4]) && isnan(cv->loss[5]));
	assert_null(ls_watch_curves_problem(w));
	assert_int_equal(refresh(w), 0);
	ls_watch_free(w);
	remove_dir(dir);
}

static void test_partial_then_complete(void **state)
{
	(void)state;
	char dir[256], run[300], full[300], src[512], dst[512];
	scratch_dir(dir);
	snprintf(run, sizeof run, "%s/run", dir);
	snprintf(full, sizeof full, "%s/full", dir);
	mkrun(run, "100 200 300 --partial");
	mkrun(full, "100 200 300");
	ls_watch *w = open_dir(run, false);
	assert_true(ls_watch_fd(w) >= 0);
	assert_null(ls_watch_poll_reason(w));
	assert_int_equal(ls_watch_nckpt(w), 2);
	assert_int_equal(ls_watch_npending(w), 1);
	const char *why;
	assert_contains(ls_watch_pending_at(w, 0, &why), "checkpoint-300");
	assert_contains(why, "checkpoint-300/adapter_model.safetensors");
	/* Nothing changed: not tried again, nothing reported. */
	assert_int_equal(refresh(w), 0);
	/* The save completes: picked up, in order, drift against checkpoint-200. */
	snprintf(src, sizeof src, "%s/checkpoint-300/adapter_model.safetensors", full);
	snprintf(dst, sizeof dst, "%s/checkpoint-300/adapter_model.safetensors", run);
	size_t len;
	unsigned char *blob = slurp(src, &len);
	FILE *f = fopen(dst, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(blob, 1, len, f), len);
	fclose(f);
	free(blob);
	/* The inotify descriptor has something to read. */
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	char probe[4096];
	assert_true(read(ls_watch_fd(w), probe, sizeof probe) > 0);
	unsigned changed = refresh(w);
	assert_true(changed & LS_WATCH_ADDED);
	assert_true(changed & LS_WATCH_PENDING);
	assert_int_equal(ls_watch_nckpt(w), 3);
	assert_int_equal(ls_watch_npending(w), 0);
	assert_int_equal(ls_watch_ckpt_at(w, 2)->seq, 3);
	char a[400], b[400];
	snprintf(a, sizeof a, "%s/checkpoint-200", run);
	snprintf(b, sizeof b, "%s/checkpoint-300", run);
	check_drift(w, 2, a, b, 1);
	ls_watch_free(w);
	remove_dir(dir);
}

static void test_deleted(void **state)
{
	(void)state;
	char dir[256], run[300], p[400];
	scratch_dir(dir);
	snprintf(run, sizeof run, "%s/run", dir);
	mkrun(run, "100 200 300 400 --theta 10");
	ls_watch *w = open_dir(run, true);
	assert_int_equal(ls_watch_fd(w), -1);
	assert_string_equal(ls_watch_poll_reason(w), "--poll");
	assert_int_equal(ls_watch_nckpt(w), 4);
	/* A middle one goes: the next one's drift is against the one before it (20°). */
	snprintf(p, sizeof p, "%s/checkpoint-200", run);
	remove_dir(p);
	unsigned changed = refresh(w);
	assert_true(changed & LS_WATCH_REMOVED);
	assert_true(changed & LS_WATCH_DRIFT);
	assert_false(changed & LS_WATCH_MODULES);
	assert_int_equal(ls_watch_nckpt(w), 3);
	assert_string_equal(ls_watch_ckpt_at(w, 1)->name, "checkpoint-300");
	char a[400], b[400];
	snprintf(a, sizeof a, "%s/checkpoint-100", run);
	snprintf(b, sizeof b, "%s/checkpoint-300", run);
	for (int l = 0; l < 3; l++)
		check_drift(w, 1, a, b, l);
	assert_close(ls_watch_ckpt_at(w, 1)->cells[0].angle_max, 20, 1e-5, 0);
	/* The oldest goes (save_total_limit): the next is now the first. */
	remove_dir(a);
	refresh(w);
	assert_int_equal(ls_watch_nckpt(w), 2);
	assert_string_equal(ls_watch_ckpt_at(w, 0)->cells[0].drift_why, "first checkpoint");
	/* The newest goes: its bases went with it; a new one is compared with checkpoint-300. */
	snprintf(p, sizeof p, "%s/checkpoint-400", run);
	remove_dir(p);
	refresh(w);
	assert_int_equal(ls_watch_nckpt(w), 1);
	char more[300];
	snprintf(more, sizeof more, "%s/more", dir);
	mkrun(more, "100 200 300 400 500 --theta 10");
	char src[400], dst[400];
	snprintf(src, sizeof src, "%s/checkpoint-500", more);
	snprintf(dst, sizeof dst, "%s/checkpoint-500", run);
	assert_int_equal(rename(src, dst), 0);
	assert_true(refresh(w) & LS_WATCH_ADDED);
	assert_int_equal(ls_watch_nckpt(w), 2);
	check_drift(w, 1, b, dst, 2);
	assert_close(ls_watch_ckpt_at(w, 1)->cells[2].angle_max, 20, 1e-5, 0);
	/* Every checkpoint gone: no modules left. */
	remove_dir(b);
	remove_dir(dst);
	assert_true(refresh(w) & LS_WATCH_MODULES);
	assert_int_equal(ls_watch_nckpt(w), 0);
	assert_int_equal(ls_watch_nmod(w), 0);
	ls_watch_free(w);
	remove_dir(dir);
}

static void test_module_set(void **state)
{
	(void)state;
	char dir[256], run[300], more[300], src[400], dst[400];
	scratch_dir(dir);
	snprintf(run, sizeof run, "%s/run", dir);
	snprintf(more, sizeof more, "%s/more", dir);
	mkrun(run, "100 200 --modules 2");
	mkrun(more, "100 200 300 --modules 4");
	ls_watch *w = open_dir(run, false);
	assert_int_equal(ls_watch_nmod(w), 2);
	snprintf(src, sizeof src, "%s/checkpoint-300", more);
	snprintf(dst, sizeof dst, "%s/checkpoint-300", run);
	assert_int_equal(rename(src, dst), 0);
	unsigned changed = refresh(w);
	assert_true(changed & LS_WATCH_MODULES);
	assert_int_equal(ls_watch_nmod(w), 4);
	assert_string_equal(ls_watch_module_at(w, 3)->name, "model.layers.3.self_attn.q_proj");
	assert_false(ls_watch_ckpt_at(w, 0)->cells[3].present);
	assert_null(ls_watch_ckpt_at(w, 0)->cells[3].sigma);
	const ls_watch_cell *c = &ls_watch_ckpt_at(w, 2)->cells[3];
	assert_true(c->present);
	assert_string_equal(c->drift_why, "new module");
	assert_null(ls_watch_ckpt_at(w, 2)->cells[1].drift_why);
	ls_watch_free(w);
	remove_dir(dir);
}

static void test_adapter_dirs(void **state)
{
	(void)state;
	char dir[256], run[300], a[600], b[400], c[400];
	scratch_dir(dir);
	snprintf(run, sizeof run, "%s/run", dir);
	mkrun(run, "100 200 300");
	/* Adapters under any names: natural order (adapter-2 before adapter-10). */
	snprintf(a, sizeof a, "%s/checkpoint-100", run);
	snprintf(b, sizeof b, "%s/adapter-10", run);
	assert_int_equal(rename(a, b), 0);
	snprintf(a, sizeof a, "%s/checkpoint-300", run);
	snprintf(c, sizeof c, "%s/adapter-2", run);
	assert_int_equal(rename(a, c), 0);
	snprintf(a, sizeof a, "%s/tmp-checkpoint-400", run);
	assert_int_equal(mkdir(a, 0777), 0);
	ls_watch *w = open_dir(run, false);
	assert_int_equal(ls_watch_nckpt(w), 3);
	assert_string_equal(ls_watch_ckpt_at(w, 0)->name, "adapter-2");
	assert_string_equal(ls_watch_ckpt_at(w, 1)->name, "adapter-10");
	assert_string_equal(ls_watch_ckpt_at(w, 2)->name, "checkpoint-200");
	assert_int_equal(ls_watch_ckpt_at(w, 0)->step, -1);
	assert_int_equal(ls_watch_ckpt_at(w, 2)->step, 200);
	ls_watch_free(w);
	/* DIR itself an adapter: one checkpoint named after it. */
	w = open_dir(b, false);
	assert_int_equal(ls_watch_nckpt(w), 1);
	assert_string_equal(ls_watch_ckpt_at(w, 0)->name, "adapter-10");
	assert_int_equal(ls_watch_nmod(w), 3);
	assert_int_equal(ls_watch_curves_get(w)->n, 2);
	ls_watch_free(w);
	/* Not a directory, missing. */
	ls_error err = { 0 };
	ls_watch_opts o = { .interval = 1 };
	snprintf(a, sizeof a, "%s/adapter_config.json", b);
	assert_int_equal(ls_watch_open(&w, a, &o, &err), LS_EINVAL);
	assert_contains(err.msg, "adapter_config.json: not a directory");
	assert_null(w);
	snprintf(a, sizeof a, "%s/nothing", dir);
	assert_int_equal(ls_watch_open(&w, a, &o, &err), LS_EIO);
	assert_contains(err.msg, "nothing: no such directory");
	remove_dir(dir);
}

/* A newer trainer_state.json that does not parse leaves the older curves and says why. */
static void test_curves_newest(void **state)
{
	(void)state;
	char dir[256], run[300], p[512];
	scratch_dir(dir);
	snprintf(run, sizeof run, "%s/run", dir);
	mkrun(run, "100 200");
	ls_watch *w = open_dir(run, true);
	assert_int_equal(ls_watch_curves_get(w)->n, 4);
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	const char *half = "{\"log_history\": [{\"step\": 1";
	write_file(run, "trainer_state.json", half, strlen(half), p);
	assert_false(refresh(w) & LS_WATCH_CURVES);
	assert_int_equal(ls_watch_curves_get(w)->n, 4);
	assert_contains(ls_watch_curves_problem(w), "run/trainer_state.json");
	nanosleep(&ts, NULL);
	const char *done = "{\"log_history\": [{\"step\": 1, \"loss\": 3}]}";
	write_file(run, "trainer_state.json", done, strlen(done), p);
	assert_true(refresh(w) & LS_WATCH_CURVES);
	assert_int_equal(ls_watch_curves_get(w)->n, 1);
	assert_string_equal(ls_watch_curves_get(w)->source, p);
	assert_null(ls_watch_curves_problem(w));
	ls_watch_free(w);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_parse),  cmocka_unit_test(test_state_bad),
		cmocka_unit_test(test_trainer_run),  cmocka_unit_test(test_partial_then_complete),
		cmocka_unit_test(test_deleted),      cmocka_unit_test(test_module_set),
		cmocka_unit_test(test_adapter_dirs), cmocka_unit_test(test_curves_newest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
