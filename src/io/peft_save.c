/* peft_save.c — ls_peft_save (peft_save.h): a session's factors as DIR/checkpoint-N in the
 * Hugging Face Trainer layout (PEFT adapter + trainer_state.json), temp dir + rename. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "lorascope/json_number.h"
#include "lorascope/fileio.h"
#include "lorascope/lora.h"
#include "lorascope/peft_save.h"
#include "lorascope/safetensors.h"

#define MODEL "adapter_model.safetensors"
#define CONFIG "adapter_config.json"
#define STATE "trainer_state.json"
#define CKPT "checkpoint-"
#define DIR_MAX 4000      /* longest DIR */
#define CKPT_MAX 4300     /* DIR/<an entry of DIR> */
#define PATH_MAX_LEN 4400 /* a file in a checkpoint */
#define NAME_MAX_LEN 64

/* ---- The log ---- */

static ls_status log_push(ls_peft_log *log, ls_peft_log_entry e, ls_error *err)
{
	if (log->n == log->cap) {
		size_t cap = log->cap ? 2 * log->cap : 64;
		ls_peft_log_entry *p = realloc(log->e, cap * sizeof *p);
		if (!p)
			return ls_error_set(err, LS_ENOMEM, "log_history");
		log->e = p;
		log->cap = cap;
	}
	log->e[log->n++] = e;
	return LS_OK;
}

ls_status ls_peft_log_add(ls_peft_log *log, const ls_metrics *m, ls_error *err)
{
	return log_push(log,
			(ls_peft_log_entry){ .step = m->step,
					     .loss = m->loss,
					     .grad_norm = m->grad_norm,
					     .learning_rate = m->eta },
			err);
}

ls_status ls_peft_log_from_history(ls_peft_log *log, const ls_history *h, ls_error *err)
{
	log->n = 0;
	for (size_t i = 0; i < h->len; i++) {
		ls_status st = log_push(log,
					(ls_peft_log_entry){ .step = h->step[i],
							     .loss = h->loss[i],
							     .grad_norm = h->grad_norm[i],
							     .learning_rate = h->eta[i] },
					err);
		if (st != LS_OK)
			return st;
	}
	return LS_OK;
}

void ls_peft_log_free(ls_peft_log *log)
{
	free(log->e);
	*log = (ls_peft_log){ 0 };
}

void ls_peft_module_name(const ls_problem *p, size_t k, char *buf, size_t cap)
{
	if (p->type == &ls_problem_mlp)
		snprintf(buf, cap, "mlp.fc%zu", k + 1);
	else
		snprintf(buf, cap, "%s.W", p->type->name);
}

/* ---- Destinations ---- */

/* Whether name is "checkpoint-" followed by digits only. */
static bool is_ckpt_name(const char *name)
{
	size_t l = strlen(CKPT);
	if (strncmp(name, CKPT, l) != 0 || !name[l])
		return false;
	for (const char *c = name + l; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

/* Whether the directory path is a checkpoint lorascope wrote (the metadata's "lorascope"). */
static bool is_ours(const char *path)
{
	char model[PATH_MAX_LEN];
	snprintf(model, sizeof model, "%s/%s", path, MODEL);
	ls_safetensors st;
	ls_error err;
	if (ls_st_open(&st, model, &err) != LS_OK)
		return false;
	bool ours = ls_st_meta(&st, "lorascope") != NULL;
	ls_st_close(&st);
	return ours;
}

/* target := dir without trailing slashes; *exists: it is there (then a directory we may write
 * in), else its parent is a directory we may write in. */
static ls_status destination(const char *dir, char *target, bool *exists, ls_error *err)
{
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dl == 0 || dl + NAME_MAX_LEN > DIR_MAX)
		return ls_error_set(err, LS_EINVAL, "%s: bad directory name", dir);
	snprintf(target, DIR_MAX, "%.*s", (int)dl, dir);
	struct stat sb;
	*exists = stat(target, &sb) == 0;
	if (!*exists)
		return ls_dir_parent_check(target, err);
	if (!S_ISDIR(sb.st_mode))
		return ls_error_set(err, LS_EIO, "%s: exists and is not a directory", target);
	if (access(target, W_OK | X_OK) != 0)
		return ls_error_set(err, LS_EIO, "%s: cannot write in %s: %s", target, target,
				    strerror(errno));
	return LS_OK;
}

ls_status ls_peft_save_check(const char *dir, ls_error *err)
{
	char target[DIR_MAX];
	bool exists;
	ls_status st = destination(dir, target, &exists, err);
	if (st != LS_OK || !exists)
		return st;
	DIR *d = opendir(target);
	if (!d)
		return ls_error_set(err, LS_EIO, "%s: %s", target, strerror(errno));
	struct dirent *e;
	char path[CKPT_MAX];
	while (st == LS_OK && (e = readdir(d)) != NULL) {
		if (!is_ckpt_name(e->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", target, e->d_name);
		if (!is_ours(path))
			st = ls_error_set(err, LS_EIO,
					  "%s: exists and is not a lorascope checkpoint (not "
					  "replaced)",
					  path);
	}
	closedir(d);
	return st;
}

/* ---- Writing ---- */

/* An integral value as a JSON integer (as PEFT writes lora_alpha), else a real. */
static json_t *jnumber(double v)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return ls_json_number(v);
}

typedef struct {
	const json_t *root;
	size_t flags;
} json_file;

static ls_status write_json(FILE *f, const void *ctx, ls_error *err)
{
	const json_file *j = ctx;
	if (json_dumpf(j->root, f, j->flags) != 0 || fputc('\n', f) == EOF)
		return ls_error_set(err, LS_EIO, "write error");
	return LS_OK;
}

static ls_status save_json(const char *path, json_t *root, ls_error *err)
{
	if (!root)
		return ls_error_set(err, LS_ENOMEM, "%s", path);
	json_file j = { root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) };
	ls_status st = ls_file_write_atomic(path, write_json, &j, err);
	json_decref(root);
	return st;
}

/* adapter_config.json: PEFT's LoraConfig, scaling equal to the session's s. */
static json_t *config_json(const ls_lora *L, const ls_problem *p)
{
	double alpha = L->scaling == LS_SCALING_ONE ? (double)L->r : L->alpha;
	json_t *targets = json_array();
	char name[NAME_MAX_LEN];
	for (size_t k = 0; k < p->nmod; k++) {
		ls_peft_module_name(p, k, name, sizeof name);
		const char *last = strrchr(name, '.');
		json_array_append_new(targets, json_string(last ? last + 1 : name));
	}
	json_t *root = json_object();
	json_object_set_new(root, "alpha_pattern", json_object());
	json_object_set_new(root, "base_model_name_or_path", json_null());
	json_object_set_new(root, "bias", json_string("none"));
	json_object_set_new(root, "fan_in_fan_out", json_false());
	json_object_set_new(root, "inference_mode", json_true());
	json_object_set_new(root, "init_lora_weights", json_true());
	json_object_set_new(root, "layers_pattern", json_null());
	json_object_set_new(root, "layers_to_transform", json_null());
	json_object_set_new(root, "lora_alpha", jnumber(alpha));
	json_object_set_new(root, "lora_dropout", json_real(0.0));
	json_object_set_new(root, "modules_to_save", json_null());
	json_object_set_new(root, "peft_type", json_string("LORA"));
	json_object_set_new(root, "r", json_integer((json_int_t)L->r));
	json_object_set_new(root, "rank_pattern", json_object());
	json_object_set_new(root, "revision", json_null());
	json_object_set_new(root, "target_modules", targets);
	json_object_set_new(root, "task_type", json_null());
	json_object_set_new(root, "use_rslora", json_boolean(L->scaling == LS_SCALING_RSLORA));
	return root;
}

/* trainer_state.json: transformers' TrainerState fields (only those, so that
 * TrainerState(**json) loads it). */
static json_t *state_json(long step, const ls_peft_save_opts *o)
{
	json_t *hist = json_array();
	for (size_t i = 0; o->log && i < o->log->n; i++) {
		const ls_peft_log_entry *e = &o->log->e[i];
		json_array_append_new(hist,
				      json_pack("{s:I,s:o,s:o,s:o}", "step", (json_int_t)e->step,
						"loss", ls_json_number(e->loss), "grad_norm",
						ls_json_number(e->grad_norm), "learning_rate",
						ls_json_number(e->learning_rate)));
	}
	json_t *root = json_object();
	json_object_set_new(root, "best_metric", json_null());
	json_object_set_new(root, "best_model_checkpoint", json_null());
	json_object_set_new(root, "epoch", json_null());
	json_object_set_new(root, "eval_steps", json_integer(o->logging_steps));
	json_object_set_new(root, "global_step", json_integer(step));
	json_object_set_new(root, "is_hyper_param_search", json_false());
	json_object_set_new(root, "is_local_process_zero", json_true());
	json_object_set_new(root, "is_world_process_zero", json_true());
	json_object_set_new(root, "log_history", hist);
	json_object_set_new(root, "logging_steps", json_integer(o->logging_steps));
	json_object_set_new(root, "max_steps", json_integer(o->max_steps));
	json_object_set_new(root, "num_train_epochs", json_integer(0));
	json_object_set_new(root, "save_steps", json_integer(o->save_steps));
	json_object_set_new(root, "total_flos", json_integer(0));
	json_object_set_new(root, "train_batch_size", json_null());
	json_object_set_new(root, "trial_name", json_null());
	json_object_set_new(root, "trial_params", json_null());
	return root;
}

/* adapter_model.safetensors: lora_A = Bᵀ, lora_B = A per module; the run's facts as metadata. */
static ls_status save_model(const ls_session *s, const char *path, ls_error *err)
{
	const ls_lora *L = ls_session_lora(s);
	const ls_problem *p = ls_session_problem(s);
	char names[2 * LS_MAX_MODULES][NAME_MAX_LEN + 40];
	ls_st_out t[2 * LS_MAX_MODULES];
	for (size_t k = 0; k < L->nmod; k++) {
		char mod[NAME_MAX_LEN];
		ls_peft_module_name(p, k, mod, sizeof mod);
		snprintf(names[2 * k], sizeof names[0], "base_model.model.%s.lora_A.weight", mod);
		snprintf(names[2 * k + 1], sizeof names[0], "base_model.model.%s.lora_B.weight",
			 mod);
		t[2 * k] = (ls_st_out){ .name = names[2 * k], .M = &L->B[k], .transposed = true };
		t[2 * k + 1] = (ls_st_out){ .name = names[2 * k + 1], .M = &L->A[k] };
	}
	enum { NMETA = 3 + LS_PARAM_COUNT };
	char keys[LS_PARAM_COUNT][NAME_MAX_LEN];
	char values[LS_PARAM_COUNT][LS_PARAM_VALUE_MAX], step[32];
	const char *meta[2 * NMETA];
	size_t n = 0;
	meta[n++] = "format", meta[n++] = "pt";
	meta[n++] = "lorascope", meta[n++] = PACKAGE_VERSION;
	snprintf(step, sizeof step, "%ld", ls_session_steps(s));
	meta[n++] = "lorascope.step", meta[n++] = step;
	for (int i = 0; i < LS_PARAM_COUNT; i++) {
		snprintf(keys[i], sizeof keys[i], "lorascope.%s", ls_params[i].name);
		ls_config_format(ls_session_config(s), (ls_param_id)i, values[i], sizeof values[i]);
		meta[n++] = keys[i], meta[n++] = values[i];
	}
	return ls_st_save(path, t, 2 * L->nmod, meta, n / 2, err);
}

typedef struct {
	const ls_session *s;
	const ls_peft_save_opts *o;
} save_ctx;

static ls_status save_into(const char *tmp, const void *ctx, ls_error *err)
{
	const ls_session *s = ((const save_ctx *)ctx)->s;
	const ls_peft_save_opts *o = ((const save_ctx *)ctx)->o;
	char path[PATH_MAX_LEN];
	snprintf(path, sizeof path, "%s/%s", tmp, MODEL);
	ls_status st = save_model(s, path, err);
	if (st == LS_OK) {
		snprintf(path, sizeof path, "%s/%s", tmp, CONFIG);
		st = save_json(path, config_json(ls_session_lora(s), ls_session_problem(s)), err);
	}
	if (st == LS_OK) {
		snprintf(path, sizeof path, "%s/%s", tmp, STATE);
		st = save_json(path, state_json(ls_session_steps(s), o), err);
	}
	return st;
}

ls_status ls_peft_save(const ls_session *s, const char *dir, const ls_peft_save_opts *o,
		       char *written, size_t cap, ls_error *err)
{
	char target[DIR_MAX], ckpt[CKPT_MAX], tmp[CKPT_MAX], old[CKPT_MAX];
	bool exists;
	ls_status st = destination(dir, target, &exists, err);
	if (st != LS_OK)
		return st;
	if (!exists && mkdir(target, 0777) != 0 && errno != EEXIST)
		return ls_error_set(err, LS_EIO, "%s: cannot create it: %s", target,
				    strerror(errno));
	long step = ls_session_steps(s);
	snprintf(ckpt, sizeof ckpt, "%s/" CKPT "%ld", target, step);
	struct stat sb;
	bool replace = stat(ckpt, &sb) == 0;
	if (replace && !(S_ISDIR(sb.st_mode) && is_ours(ckpt)))
		return ls_error_set(err, LS_EIO,
				    "%s: exists and is not a lorascope checkpoint (not replaced)",
				    ckpt);
	snprintf(tmp, sizeof tmp, "%s/tmp-" CKPT "%ld-XXXXXX", target, step);
	snprintf(old, sizeof old, "%s/tmp-old-" CKPT "%ld-XXXXXX", target, step);
	save_ctx c = { s, o };
	st = ls_dir_write_atomic(ckpt, tmp, old, replace, 0777 & ~ls_file_umask(), "checkpoint",
				 save_into, &c, err);
	if (st != LS_OK)
		return st;
	if (written)
		snprintf(written, cap, "%s", ckpt);
	return LS_OK;
}
