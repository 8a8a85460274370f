/* snapshot.c — ls_session_save / ls_session_load (snapshot.h): a manifest through jansson,
 * the factors, moments and history as .npy, written to a temporary directory and renamed. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "lorascope/json_number.h"
#include "lorascope/fileio.h"
#include "lorascope/loader.h"
#include "lorascope/npy.h"
#include "lorascope/session.h"
#include "lorascope/snapshot.h"

#define MANIFEST "manifest.json"
#define HISTORY "history.npy"
/* history.npy: the steps in column 0, each series of LS_HISTORY_SERIES in its npy_col. */
#define HIST_COLS (1 + LS_HISTORY_NSERIES)
#define DIR_MAX 4000      /* longest snapshot directory name */
#define PATH_MAX_LEN 4096 /* a file in it: DIR_MAX + room for the longest suffix */

/* The name stem of the per-module .npy file of each matrix of the session's state. */
static const char *const file_stem[LS_STATE_NMATS] = {
	[LS_STATE_A] = "A",   [LS_STATE_B] = "B",   [LS_STATE_MA] = "mA",
	[LS_STATE_MB] = "mB", [LS_STATE_VA] = "vA", [LS_STATE_VB] = "vB",
};

static json_t *manifest_json(const ls_session *s, const ls_session_state *st)
{
	json_t *root = json_object();
	json_object_set_new(root, "format", json_string("lorascope-snapshot"));
	json_object_set_new(root, "version", json_integer(LS_SNAPSHOT_VERSION));
	json_object_set_new(root, "lorascope", json_string(PACKAGE_VERSION));
	json_t *params = json_object();
	char buf[LS_PARAM_VALUE_MAX];
	for (int i = 0; i < LS_PARAM_COUNT; i++) {
		ls_config_format(ls_session_config(s), (ls_param_id)i, buf, sizeof buf);
		json_object_set_new(params, ls_params[i].name, json_string(buf));
	}
	json_object_set_new(root, "params", params);
	json_object_set_new(root, "step", json_integer(st->step));
	json_object_set_new(root, "restarts", json_integer((json_int_t)st->restarts));
	json_t *rng = json_array();
	for (int i = 0; i < 4; i++) {
		snprintf(buf, sizeof buf, "%016" PRIx64, st->rng[i]);
		json_array_append_new(rng, json_string(buf));
	}
	json_object_set_new(root, "rng", rng);
	ls_optim_counts c = st->counts;
	json_object_set_new(root, "optim",
			    json_pack("{s:I,s:I,s:I}", "t", (json_int_t)c.t, "ta", (json_int_t)c.ta,
				      "tb", (json_int_t)c.tb));
	json_t *mods = json_array();
	for (size_t k = 0; k < st->nmod; k++)
		json_array_append_new(mods, json_pack("{s:I,s:I,s:o}", "m",
						      (json_int_t)st->mat[k][LS_STATE_A].rows, "n",
						      (json_int_t)st->mat[k][LS_STATE_B].rows, "s",
						      ls_json_number(st->s[k])));
	json_object_set_new(root, "modules", mods);
	json_object_set_new(root, "diverged", json_boolean(st->diverged));
	json_object_set_new(root, "message", json_string(st->message));
	const ls_session_state *m = st; /* the last step's numbers */
	json_object_set_new(root, "last_step",
			    json_pack("{s:o,s:b,s:b,s:o,s:o,s:I,s:I}", "eta",
				      ls_json_number(m->eta), "mk_checked", m->mk_checked,
				      "mk_holds", m->mk_holds, "mk_lhs", ls_json_number(m->mk_lhs),
				      "mk_rhs", ls_json_number(m->mk_rhs), "mk_checks",
				      (json_int_t)m->mk_checks, "mk_failures",
				      (json_int_t)m->mk_failures));
	json_object_set_new(root, "baseline",
			    json_pack("{s:b,s:I}", "computed", st->have_base, "serial",
				      (json_int_t)st->base_serial));
	if (st->have_ab) {
		json_t *abs = json_array();
		for (size_t k = 0; k < st->nmod; k++) {
			const ls_alphabeta *a = &st->ab[k];
			json_array_append_new(
				abs,
				json_pack("{s:o,s:o,s:I,s:o,s:o,s:o,s:I}", "alpha",
					  ls_json_number(a->alpha), "beta", ls_json_number(a->beta),
					  "samples", (json_int_t)a->samples, "alpha_move",
					  ls_json_number(a->alpha_move), "beta_move",
					  ls_json_number(a->beta_move), "D", ls_json_number(a->D),
					  "r", (json_int_t)a->r));
		}
		json_object_set_new(root, "alphabeta", abs);
	} else {
		json_object_set_new(root, "alphabeta", json_null());
	}
	json_object_set_new(root, "history",
			    json_pack("{s:I,s:I}", "points", (json_int_t)st->hist.len, "stride",
				      (json_int_t)st->hist.stride));
	return root;
}

static ls_status write_manifest(FILE *f, const void *ctx, ls_error *err)
{
	if (json_dumpf((const json_t *)ctx, f, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) != 0 ||
	    fputc('\n', f) == EOF)
		return ls_error_set(err, LS_EIO, "write error");
	return LS_OK;
}

static ls_status save_history(const ls_history *h, const char *path, ls_error *err)
{
	ls_mat H;
	ls_status st = ls_mat_alloc(&H, h->len, HIST_COLS, err);
	if (st != LS_OK)
		return st;
	for (size_t i = 0; i < h->len; i++) {
		LS_AT(H, i, 0) = (double)h->step[i];
#define HIST_SAVE(f, npy_col) LS_AT(H, i, npy_col) = h->f[i];
		LS_HISTORY_SERIES(HIST_SAVE)
#undef HIST_SAVE
	}
	st = ls_npy_save(path, &H, err);
	ls_mat_free(&H);
	return st;
}

static ls_status save_into(const ls_session *s, const ls_session_state *state, const char *tmp,
			   ls_error *err)
{
	char path[PATH_MAX_LEN];
	for (size_t k = 0; k < state->nmod; k++) {
		for (int f = 0; f < LS_STATE_NMATS; f++) {
			snprintf(path, sizeof path, "%s/%s_%zu.npy", tmp, file_stem[f], k);
			ls_status st = ls_npy_save(path, &state->mat[k][f], err);
			if (st != LS_OK)
				return st;
		}
	}
	if (state->hist.len > 0) {
		snprintf(path, sizeof path, "%s/%s", tmp, HISTORY);
		ls_status st = save_history(&state->hist, path, err);
		if (st != LS_OK)
			return st;
	}
	json_t *root = manifest_json(s, state);
	if (!root)
		return ls_error_set(err, LS_ENOMEM, "snapshot manifest");
	snprintf(path, sizeof path, "%s/%s", tmp, MANIFEST);
	ls_status st = ls_file_write_atomic(path, write_manifest, root, err);
	json_decref(root);
	return st;
}

/* The rules of a snapshot destination, checked before a run (ls_session_save_check) and at
 * the save: target := dir without trailing slashes; an existing target must be a snapshot
 * (*replace then), and its parent a directory we may write in. */
static ls_status destination(const char *dir, char *target, size_t *dl, bool *replace,
			     struct stat *sb, ls_error *err)
{
	*dl = strlen(dir);
	while (*dl > 1 && dir[*dl - 1] == '/')
		(*dl)--;
	if (*dl == 0 || *dl + 32 > DIR_MAX)
		return ls_error_set(err, LS_EINVAL, "%s: bad snapshot directory name", dir);
	snprintf(target, DIR_MAX, "%.*s", (int)*dl, dir);
	*replace = false;
	char probe[PATH_MAX_LEN];
	if (stat(target, sb) == 0) {
		snprintf(probe, sizeof probe, "%s/%s", target, MANIFEST);
		if (!S_ISDIR(sb->st_mode) || access(probe, F_OK) != 0)
			return ls_error_set(
				err, LS_EIO,
				"%s: exists and is not a lorascope snapshot (not replaced)",
				target);
		*replace = true;
	}
	return ls_dir_parent_check(target, err);
}

ls_status ls_session_save_check(const char *dir, ls_error *err)
{
	char target[DIR_MAX];
	size_t dl;
	bool replace;
	struct stat sb;
	return destination(dir, target, &dl, &replace, &sb, err);
}

typedef struct {
	const ls_session *s;
	const ls_session_state *state;
} save_ctx;

static ls_status fill(const char *tmp, const void *ctx, ls_error *err)
{
	const save_ctx *c = ctx;
	return save_into(c->s, c->state, tmp, err);
}

ls_status ls_session_save(const ls_session *s, const char *dir, ls_error *err)
{
	char target[DIR_MAX], tmp[DIR_MAX], old[DIR_MAX];
	size_t dl;
	bool replace;
	struct stat sb;
	ls_status st = destination(dir, target, &dl, &replace, &sb, err);
	if (st != LS_OK)
		return st;
	ls_session_state state;
	st = ls_session_state_export(s, &state, err);
	if (st != LS_OK)
		return st;
	snprintf(tmp, sizeof tmp, "%.*s.tmp-XXXXXX", (int)dl, dir);
	snprintf(old, sizeof old, "%.*s.old-XXXXXX", (int)dl, dir);
	/* The replaced snapshot's mode, or mkdir(2)'s. */
	mode_t mode = replace ? sb.st_mode & 07777 : 0777 & ~ls_file_umask();
	save_ctx c = { s, &state };
	st = ls_dir_write_atomic(target, tmp, old, replace, mode, "snapshot", fill, &c, err);
	ls_session_state_free(&state);
	return st;
}

/* ---- Loading ---- */

typedef struct {
	const char *dir;
	char mpath[PATH_MAX_LEN]; /* DIR/manifest.json, for messages */
	json_t *root;
} loader;

static ls_status bad(loader *l, ls_error *err, const char *what)
{
	return ls_error_set(err, LS_EFORMAT, "%s: %s", l->mpath, what);
}

static bool get_int(json_t *o, const char *key, json_int_t lo, json_int_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < lo)
		return false;
	*out = json_integer_value(v);
	return true;
}

/* A real or null (NaN); false when the key is missing or something else. */
static bool get_real(json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);
	if (json_is_null(v)) {
		*out = NAN;
		return true;
	}
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

static bool get_bool(json_t *o, const char *key, bool *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	return true;
}

static ls_status read_config(loader *l, ls_config *cfg, ls_error *err)
{
	json_t *params = json_object_get(l->root, "params");
	if (!json_is_object(params))
		return bad(l, err, "no \"params\" object");
	ls_config_defaults(cfg);
	for (int i = 0; i < LS_PARAM_COUNT; i++) {
		json_t *v = json_object_get(params, ls_params[i].name);
		if (!json_is_string(v))
			return ls_error_set(err, LS_EFORMAT, "%s: parameter \"%s\" missing",
					    l->mpath, ls_params[i].name);
	}
	const char *key;
	json_t *v;
	json_object_foreach(params, key, v)
	{
		ls_error e;
		ls_error_clear(&e);
		if (!json_is_string(v) ||
		    ls_config_set(cfg, key, json_string_value(v), &e) != LS_OK)
			return ls_error_set(err, LS_EFORMAT, "%s: %s", l->mpath,
					    e.msg[0] ? e.msg : "a parameter value is not a string");
	}
	ls_error e;
	ls_error_clear(&e);
	if (ls_config_check(cfg, &e) != LS_OK)
		return ls_error_set(err, LS_EFORMAT, "%s: %s", l->mpath, e.msg);
	return LS_OK;
}

/* Load DIR/name into dst (a view of the session's storage), checking the shape. */
static ls_status load_into(loader *l, const char *name, ls_mat *dst, ls_error *err)
{
	char path[PATH_MAX_LEN];
	snprintf(path, sizeof path, "%s/%s", l->dir, name);
	ls_mat M;
	ls_status st = ls_npy_load(path, &M, err);
	if (st != LS_OK)
		return st == LS_ENOMEM ? st : LS_EFORMAT;
	if (M.rows != dst->rows || M.cols != dst->cols) {
		ls_error_set(err, LS_EFORMAT, "%s: shape %zux%zu, expected %zux%zu", path, M.rows,
			     M.cols, dst->rows, dst->cols);
		ls_mat_free(&M);
		return LS_EFORMAT;
	}
	for (size_t j = 0; j < M.cols; j++)
		for (size_t i = 0; i < M.rows; i++)
			LS_AT(*dst, i, j) = LS_AT(M, i, j);
	ls_mat_free(&M);
	return LS_OK;
}

static ls_status load_history(loader *l, ls_history *hist, ls_error *err)
{
	json_t *h = json_object_get(l->root, "history");
	json_int_t points, stride;
	if (!json_is_object(h) || !get_int(h, "points", 0, &points) ||
	    !get_int(h, "stride", 1, &stride) || points > LS_HISTORY_MAX)
		return bad(l, err, "bad \"history\"");
	ls_history_clear(hist);
	if (points == 0)
		return LS_OK;
	char path[PATH_MAX_LEN];
	snprintf(path, sizeof path, "%s/%s", l->dir, HISTORY);
	ls_mat H;
	ls_status st = ls_npy_load(path, &H, err);
	if (st != LS_OK)
		return st == LS_ENOMEM ? st : LS_EFORMAT;
	if (H.rows != (size_t)points || H.cols != HIST_COLS) {
		ls_error_set(err, LS_EFORMAT, "%s: shape %zux%zu, expected %lldx%d", path, H.rows,
			     H.cols, (long long)points, HIST_COLS);
		ls_mat_free(&H);
		return LS_EFORMAT;
	}
	/* Push the points back with the saved stride (they are all multiples of it). */
	ls_metrics m;
	memset(&m, 0, sizeof m);
	hist->stride = 1;
	for (size_t i = 0; i < H.rows && st == LS_OK; i++) {
		m.step = (long)LS_AT(H, i, 0);
#define HIST_LOAD(f, npy_col) m.f = LS_AT(H, i, npy_col);
		LS_HISTORY_SERIES(HIST_LOAD)
#undef HIST_LOAD
		st = ls_history_push(hist, &m, true, err);
	}
	hist->stride = (long)stride;
	ls_mat_free(&H);
	return st;
}

static ls_status load_alphabeta(loader *l, const ls_problem *p, ls_session_state *state,
				ls_error *err)
{
	json_t *a = json_object_get(l->root, "alphabeta");
	state->have_ab = false;
	if (json_is_null(a))
		return LS_OK;
	if (!json_is_array(a) || json_array_size(a) != p->nmod || !state->have_base)
		return bad(l, err, "bad \"alphabeta\"");
	for (size_t k = 0; k < p->nmod; k++) {
		json_t *e = json_array_get(a, k);
		ls_alphabeta *ab = &state->ab[k];
		json_int_t samples, r;
		if (!get_real(e, "alpha", &ab->alpha) || !get_real(e, "beta", &ab->beta) ||
		    !get_int(e, "samples", 0, &samples) ||
		    !get_real(e, "alpha_move", &ab->alpha_move) ||
		    !get_real(e, "beta_move", &ab->beta_move) || !get_real(e, "D", &ab->D) ||
		    !get_int(e, "r", 1, &r) || (size_t)r != state->r)
			return bad(l, err, "bad \"alphabeta\" entry");
		ab->samples = (size_t)samples;
		ab->r = (size_t)r;
		ab->alpha_exact = p->alpha_exact;
		ab->beta_exact = p->beta_exact;
	}
	state->have_ab = true;
	return LS_OK;
}

/* Everything after the session is built from the parameters, into state (exported from
 * that session: it gives the shapes to check). */
static ls_status restore(loader *l, const ls_session *s, ls_session_state *state, ls_error *err)
{
	json_t *root = l->root;
	bool computed;
	json_int_t serial;
	json_t *base = json_object_get(root, "baseline");
	if (!json_is_object(base) || !get_bool(base, "computed", &computed) ||
	    !get_int(base, "serial", 0, &serial))
		return bad(l, err, "bad \"baseline\"");
	/* The import computes the baseline when the session has none yet. */
	state->have_base = computed || state->have_base;
	state->base_serial = (unsigned long)serial;
	json_t *mods = json_object_get(root, "modules");
	if (!json_is_array(mods) || json_array_size(mods) != state->nmod)
		return bad(l, err, "\"modules\" does not match the problem's modules");
	for (size_t k = 0; k < state->nmod; k++) {
		json_t *e = json_array_get(mods, k);
		json_int_t m, n;
		double sk;
		if (!get_int(e, "m", 1, &m) || !get_int(e, "n", 1, &n) || !get_real(e, "s", &sk) ||
		    (size_t)m != state->mat[k][LS_STATE_A].rows ||
		    (size_t)n != state->mat[k][LS_STATE_B].rows || sk != state->s[k])
			return bad(l, err, "\"modules\" does not match the problem's shapes");
		for (int f = 0; f < LS_STATE_NMATS; f++) {
			char name[32];
			snprintf(name, sizeof name, "%s_%zu.npy", file_stem[f], k);
			ls_status st = load_into(l, name, &state->mat[k][f], err);
			if (st != LS_OK)
				return st;
		}
	}
	json_int_t step, restarts, t, ta, tb;
	if (!get_int(root, "step", 0, &step) || !get_int(root, "restarts", 0, &restarts))
		return bad(l, err, "bad \"step\" or \"restarts\"");
	json_t *optim = json_object_get(root, "optim");
	if (!get_int(optim, "t", 0, &t) || !get_int(optim, "ta", 0, &ta) ||
	    !get_int(optim, "tb", 0, &tb))
		return bad(l, err, "bad \"optim\"");
	state->counts = (ls_optim_counts){ .t = (long)t, .ta = (long)ta, .tb = (long)tb };
	json_t *rng = json_object_get(root, "rng");
	if (!json_is_array(rng) || json_array_size(rng) != 4)
		return bad(l, err, "bad \"rng\"");
	for (size_t i = 0; i < 4; i++) {
		const char *w = json_string_value(json_array_get(rng, i));
		char *end;
		errno = 0;
		if (!w || strlen(w) != 16 || (state->rng[i] = strtoull(w, &end, 16), *end) || errno)
			return bad(l, err, "bad \"rng\" word");
	}
	state->step = (long)step;
	state->restarts = (unsigned long)restarts;
	bool diverged;
	const char *msg = json_string_value(json_object_get(root, "message"));
	if (!get_bool(root, "diverged", &diverged) || !msg)
		return bad(l, err, "bad \"diverged\" or \"message\"");
	state->diverged = diverged;
	snprintf(state->message, sizeof state->message, "%s", msg);
	json_t *ls = json_object_get(root, "last_step");
	ls_session_state *m = state; /* the last step's numbers */
	json_int_t checks, failures;
	if (!json_is_object(ls) || !get_real(ls, "eta", &m->eta) ||
	    !get_bool(ls, "mk_checked", &m->mk_checked) ||
	    !get_bool(ls, "mk_holds", &m->mk_holds) || !get_real(ls, "mk_lhs", &m->mk_lhs) ||
	    !get_real(ls, "mk_rhs", &m->mk_rhs) || !get_int(ls, "mk_checks", 0, &checks) ||
	    !get_int(ls, "mk_failures", 0, &failures))
		return bad(l, err, "bad \"last_step\"");
	m->mk_checks = (long)checks;
	m->mk_failures = (long)failures;
	ls_status st = load_history(l, &state->hist, err);
	if (st == LS_OK)
		st = load_alphabeta(l, ls_session_problem(s), state, err);
	return st;
}

ls_status ls_session_load(ls_session **out, const char *dir, ls_error *err)
{
	*out = NULL;
	loader l = { .dir = dir, .root = NULL };
	if (strlen(dir) + 32 > DIR_MAX)
		return ls_error_set(err, LS_EINVAL, "%s: bad snapshot directory name", dir);
	snprintf(l.mpath, sizeof l.mpath, "%s/%s", dir, MANIFEST);
	char *text;
	size_t len;
	ls_status st = ls_file_read_text(l.mpath, LS_TEXT_MAX_BYTES, &text, &len, err);
	if (st != LS_OK)
		return st == LS_ENOMEM ? st : LS_EIO;
	json_error_t je;
	l.root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!l.root)
		return ls_error_set(err, LS_EFORMAT, "%s:%d: %s", l.mpath, je.line, je.text);
	json_int_t version;
	const char *format = json_string_value(json_object_get(l.root, "format"));
	if (!json_is_object(l.root) || !format || strcmp(format, "lorascope-snapshot") != 0)
		st = bad(&l, err, "not a lorascope snapshot manifest");
	else if (!get_int(l.root, "version", 0, &version) || version != LS_SNAPSHOT_VERSION)
		st = bad(&l, err, "unsupported snapshot version");
	ls_config cfg;
	if (st == LS_OK)
		st = read_config(&l, &cfg, err);
	ls_session *s = NULL;
	if (st == LS_OK) {
		ls_error e;
		ls_error_clear(&e);
		/* The files the snapshot names, read again (the problems check their shapes). */
		ls_inputs in;
		st = ls_inputs_read(&cfg, &in, &e);
		if (st == LS_OK)
			st = ls_session_create(&s, &cfg, &in, &e);
		ls_inputs_free(&in);
		if (st != LS_OK)
			ls_error_set(err, st, "%s: %s", l.mpath, e.msg);
	}
	ls_session_state state;
	bool exported = false;
	if (st == LS_OK) {
		st = ls_session_state_export(s, &state, err);
		exported = st == LS_OK;
	}
	if (st == LS_OK)
		st = restore(&l, s, &state, err);
	if (st == LS_OK) {
		state.origin = dir;
		st = ls_session_state_import(s, &state, err);
	}
	if (exported)
		ls_session_state_free(&state);
	json_decref(l.root);
	if (st != LS_OK) {
		ls_session_free(s);
		return st;
	}
	*out = s;
	return LS_OK;
}
