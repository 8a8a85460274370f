/* adapter.c — read a PEFT LoRA adapter (a directory or its .safetensors, with its
 * adapter_config.json) into modules: pairs lora_A/lora_B by name, saved tensors, DoRA
 * magnitudes; each module measured by adapter_measure.c. */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapter_priv.h"
#include "lorascope/fileio.h"

#define MODEL_PREFIX "base_model.model."
#define CONFIG_MAX_BYTES ((size_t)16 << 20)

/* ---- the modules ---- */

void ls_adapter_free(ls_adapter *ad)
{
	for (size_t i = 0; i < ad->nmod; i++) {
		free(ad->modules[i].name);
		ls_lowrank_free(&ad->modules[i].lr);
	}
	for (size_t i = 0; i < ad->nsaved; i++) {
		free(ad->saved[i].name);
		free(ad->saved[i].module);
	}
	for (size_t i = 0; i < ad->nmag; i++) {
		free(ad->magnitudes[i].name);
		free(ad->magnitudes[i].module);
	}
	free(ad->modules);
	free(ad->saved);
	free(ad->magnitudes);
	free(ad->path);
	free(ad->model_path);
	ls_adapter_config_free(&ad->cfg);
	memset(ad, 0, sizeof *ad);
}

static const char *strip_prefix(const char *name)
{
	size_t n = strlen(MODEL_PREFIX);
	return strncmp(name, MODEL_PREFIX, n) == 0 ? name + n : name;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A LoRA factor's tensor name: "<module>.lora_A[.…].weight" (Linear, Conv), or for an
 * Embedding "<module>.lora_embedding_A" (a bare parameter) or "….lora_embedding_A[.…].weight".
 * Returns the length of <module> and sets *letter to the offset of the 'A'/'B' and
 * *embedding; (size_t)-1 when name is no factor `which`. */
static size_t factor_name(const char *name, char which, size_t *letter, bool *embedding)
{
	char tag[24];
	snprintf(tag, sizeof tag, ".lora_%c.", which);
	const char *p = strstr(name, tag);
	if (p && ends_with(p + strlen(tag) - 1, ".weight")) {
		*embedding = false;
		*letter = (size_t)(p - name) + strlen(tag) - 2;
		return (size_t)(p - name);
	}
	snprintf(tag, sizeof tag, ".lora_embedding_%c", which);
	size_t k = strlen(tag);
	p = strstr(name, tag);
	if (p && (p[k] == '\0' || (p[k] == '.' && ends_with(p + k, ".weight")))) {
		*embedding = true;
		*letter = (size_t)(p - name) + k - 1;
		return (size_t)(p - name);
	}
	return (size_t)-1;
}

/* The name of the partner factor (A ↔ B) of a factor name; malloc'd. */
static char *partner_name(const char *name, size_t letter, char to)
{
	char *p = strdup(name);
	if (p)
		p[letter] = to;
	return p;
}

/* Natural order of names: runs of digits compare as numbers ("layers.2" before "layers.10"). */
int ls_adapter_natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0' && isdigit((unsigned char)a[1]))
				a++;
			while (*b == '0' && isdigit((unsigned char)b[1]))
				b++;
			size_t la = 0, lb = 0;
			while (isdigit((unsigned char)a[la]))
				la++;
			while (isdigit((unsigned char)b[lb]))
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = strncmp(a, b, la);
			if (c)
				return c;
			a += la, b += lb;
		} else if (*a != *b) {
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		} else {
			a++, b++;
		}
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int module_cmp(const void *x, const void *y)
{
	return ls_adapter_natural_cmp(((const ls_adapter_module *)x)->name,
				      ((const ls_adapter_module *)y)->name);
}

static int tensor_cmp(const void *x, const void *y)
{
	const ls_adapter_tensor *a = x, *b = y;
	int c = ls_adapter_natural_cmp(a->module, b->module);
	return c ? c : ls_adapter_natural_cmp(a->name, b->name);
}

static ls_status add_module(ls_adapter *ad, const ls_safetensors *st, const ls_st_tensor *ta,
			    size_t plen, size_t letter, bool embedding, bool bases,
			    ls_spectrum_ws **ws, ls_error *err)
{
	/* The partner: same name with A → B. */
	char *bname = partner_name(ta->name, letter, 'B');
	if (!bname)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", ad->model_path);
	const ls_st_tensor *tb = ls_st_find(st, bname);
	free(bname);
	if (!tb)
		return ls_error_set(err, LS_EFORMAT, "%s: '%s' has no matching lora_B tensor",
				    ad->model_path, ta->name);
	ls_adapter_module *m = &ad->modules[ad->nmod];
	memset(m, 0, sizeof *m);
	const char *mod = strip_prefix(ta->name);
	size_t mlen = plen - (size_t)(mod - ta->name);
	if (!(m->name = strndup(mod, mlen)))
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", ad->model_path);
	ad->nmod++;
	snprintf(m->dtype, sizeof m->dtype, "%s", ta->dtype);
	ls_mat Ap = { 0 }, Bp = { 0 };
	ls_status s = ls_st_tensor_matrix(st, ta, true, &Ap, err);
	if (s == LS_OK)
		s = ls_st_tensor_matrix(st, tb, true, &Bp, err);
	if (s == LS_OK && Ap.rows != Bp.cols)
		s = ls_error_set(err, LS_EDIM,
				 "%s: module '%s': lora_A is %zu×%zu and lora_B %zu×%zu: ranks "
				 "differ",
				 ad->model_path, m->name, Ap.rows, Ap.cols, Bp.rows, Bp.cols);
	if (s == LS_OK) {
		m->r = Ap.rows;
		m->in = Ap.cols;
		m->out = Bp.rows;
		m->transposed = embedding || ad->cfg.fan_in_fan_out;
		double r = (double)m->r;
		m->alpha = r;
		if (ad->has_config) {
			ls_adapter_config_lookup(&ad->cfg, m->name, &r, &m->alpha);
			if (r != (double)m->r)
				m->flags |= LS_AF(LS_AF_R_MISMATCH);
		}
		m->scaling = ad->has_config && ad->cfg.use_rslora ? m->alpha / sqrt(r)
								  : m->alpha / r;
		s = ls_adapter_module_spectrum(m, &Ap, &Bp, bases, ws, err);
		if (s != LS_OK && err) {
			char why[LS_ERROR_MSG_MAX];
			memcpy(why, err->msg, sizeof why);
			ls_error_set(err, s, "%s: module '%s': %.300s", ad->model_path, m->name,
				     why);
		}
	}
	ls_mat_free(&Ap);
	ls_mat_free(&Bp);
	if (m->flags & LS_AF(LS_AF_B_ZERO))
		ad->nzero++;
	if (m->flags & LS_AF(LS_AF_NONFINITE))
		ad->nnonfinite++;
	return s;
}

/* min, mean and max of a DoRA magnitude vector's values (NaN when one is not finite). */
static void magnitude_stats(ls_adapter_tensor *x, const ls_mat *M)
{
	size_t n = M->rows * M->cols;
	double lo = INFINITY, hi = -INFINITY, sum = 0.0;
	bool finite = n > 0;
	for (size_t j = 0; j < M->cols; j++)
		for (size_t i = 0; i < M->rows; i++) {
			double v = LS_AT(*M, i, j);
			finite = finite && isfinite(v);
			lo = fmin(lo, v);
			hi = fmax(hi, v);
			sum += v;
		}
	x->min = finite ? lo : NAN;
	x->max = finite ? hi : NAN;
	x->mean = finite ? sum / (double)n : NAN;
}

static ls_status add_tensor(ls_adapter *ad, const ls_safetensors *ad_st, const ls_st_tensor *t,
			    bool magnitude, ls_error *err)
{
	ls_adapter_tensor *x = magnitude ? &ad->magnitudes[ad->nmag++] : &ad->saved[ad->nsaved++];
	memset(x, 0, sizeof *x);
	const char *mod = strip_prefix(t->name);
	const char *cut = magnitude ? strstr(mod, ".lora_magnitude_vector") : strrchr(mod, '.');
	const char *mts = strstr(mod, ".modules_to_save.");
	if (!magnitude && mts && mts < cut)
		cut = mts;
	x->name = strdup(t->name);
	x->module = cut ? strndup(mod, (size_t)(cut - mod)) : strdup(mod);
	if (!x->name || !x->module)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", ad->model_path);
	snprintf(x->dtype, sizeof x->dtype, "%s", t->dtype);
	x->ndim = t->ndim;
	memcpy(x->shape, t->shape, sizeof x->shape);
	if (magnitude) {
		ls_mat M = { 0 };
		ls_status st = ls_st_tensor_matrix(ad_st, t, true, &M, err);
		if (st != LS_OK)
			return st;
		magnitude_stats(x, &M);
		ls_mat_free(&M);
	}
	/* PEFT wraps every module whose name ends with an entry of modules_to_save (a plain
	 * string suffix: "classifier" also takes "pre_classifier"). */
	for (size_t i = 0; i < ad->cfg.nsave; i++)
		x->listed |= ends_with(x->module, ad->cfg.modules_to_save[i]);
	return LS_OK;
}

static ls_status load_tensors(ls_adapter *ad, const ls_safetensors *st, bool bases, ls_error *err)
{
	size_t n = st->count + 1;
	ad->modules = calloc(n, sizeof *ad->modules);
	ad->saved = calloc(n, sizeof *ad->saved);
	ad->magnitudes = calloc(n, sizeof *ad->magnitudes);
	if (!ad->modules || !ad->saved || !ad->magnitudes)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", ad->model_path);
	ls_status s = LS_OK;
	ls_spectrum_ws *ws = NULL; /* one scratch for every module's thin SVD */
	for (size_t i = 0; i < st->count && s == LS_OK; i++) {
		const ls_st_tensor *t = &st->tensors[i];
		size_t letter;
		bool emb;
		size_t plen = factor_name(t->name, 'A', &letter, &emb);
		if (plen != (size_t)-1) {
			s = add_module(ad, st, t, plen, letter, emb, bases, &ws, err);
		} else if (factor_name(t->name, 'B', &letter, &emb) != (size_t)-1) {
			/* Paired from its lora_A; a lone lora_B is an error. */
			char *aname = partner_name(t->name, letter, 'A');
			if (!aname) {
				s = ls_error_set(err, LS_ENOMEM, "out of memory");
				break;
			}
			bool found = ls_st_find(st, aname) != NULL;
			free(aname);
			if (!found)
				s = ls_error_set(err, LS_EFORMAT,
						 "%s: '%s' has no matching lora_A tensor",
						 ad->model_path, t->name);
		} else {
			s = add_tensor(ad, st, t, strstr(t->name, ".lora_magnitude_vector") != NULL,
				       err);
		}
	}
	ls_spectrum_ws_free(ws);
	if (s != LS_OK)
		return s;
	for (size_t i = 0; i < ad->nsaved; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(ad->saved[i].module, ad->saved[j].module) == 0;
		ad->nsaved_modules += !seen;
	}
	/* Natural order (layer 2 before layer 10), as a person reads a model. */
	qsort(ad->modules, ad->nmod, sizeof *ad->modules, module_cmp);
	qsort(ad->saved, ad->nsaved, sizeof *ad->saved, tensor_cmp);
	qsort(ad->magnitudes, ad->nmag, sizeof *ad->magnitudes, tensor_cmp);
	if (ad->nmod == 0)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: no LoRA modules (no lora_A/lora_B tensors)",
				    ad->model_path);
	return ls_adapter_flag_outliers(ad, err);
}

static char *join(const char *dir, const char *file)
{
	size_t a = strlen(dir), b = strlen(file);
	char *p = malloc(a + b + 2);
	if (p) {
		memcpy(p, dir, a);
		p[a] = '/';
		memcpy(p + a + 1, file, b + 1);
	}
	return p;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Decide which files to read: (model, config or NULL). */
static ls_status locate(ls_adapter *ad, const char *path, char **config, ls_error *err)
{
	struct stat st;
	*config = NULL;
	if (stat(path, &st) != 0)
		return ls_error_set(err, LS_EIO, "%s: no such file or directory", path);
	if (S_ISDIR(st.st_mode)) {
		ad->model_path = join(path, "adapter_model.safetensors");
		*config = join(path, "adapter_config.json");
		if (!ad->model_path || !*config)
			return ls_error_set(err, LS_ENOMEM, "%s: out of memory", path);
		if (!exists(ad->model_path)) {
			char *bin = join(path, "adapter_model.bin");
			bool has_bin = bin && exists(bin);
			free(bin);
			if (has_bin)
				return ls_error_set(err, LS_EIO,
						    "%s: only adapter_model.bin (a pickle) found: "
						    "lorascope reads adapter_model.safetensors",
						    path);
			return ls_error_set(err, LS_EIO,
					    "%s: no adapter_model.safetensors in this directory",
					    path);
		}
		if (!exists(*config))
			return ls_error_set(err, LS_EIO,
					    "%s: no adapter_config.json in this directory", path);
		return LS_OK;
	}
	if (!ends_with(path, ".safetensors"))
		return ls_error_set(err, LS_EINVAL,
				    "%s: neither an adapter directory nor a .safetensors file",
				    path);
	if (!(ad->model_path = strdup(path)))
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", path);
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (strcmp(base, "adapter_model.safetensors") == 0) {
		char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
		*config = dir ? join(dir, "adapter_config.json") : NULL;
		free(dir);
		if (!*config)
			return ls_error_set(err, LS_ENOMEM, "%s: out of memory", path);
		if (!exists(*config)) {
			free(*config);
			*config = NULL;
		}
	}
	return LS_OK;
}

ls_status ls_adapter_build(ls_adapter *ad, const ls_safetensors *st, ls_adapter_config *cfg,
			   bool bases, ls_error *err)
{
	memset(ad, 0, sizeof *ad);
	if (cfg) {
		ad->cfg = *cfg;
		memset(cfg, 0, sizeof *cfg);
		ad->has_config = true;
	}
	ad->path = strdup(st->path);
	ad->model_path = strdup(st->path);
	ls_status s = ad->path && ad->model_path
			      ? load_tensors(ad, st, bases, err)
			      : ls_error_set(err, LS_ENOMEM, "%s: out of memory", st->path);
	if (s != LS_OK)
		ls_adapter_free(ad);
	return s;
}

ls_status ls_adapter_load(ls_adapter *ad, const char *path, bool bases, ls_error *err)
{
	memset(ad, 0, sizeof *ad);
	char *config = NULL;
	ls_safetensors st;
	memset(&st, 0, sizeof st);
	ls_status s = (ad->path = strdup(path)) ? LS_OK
						: ls_error_set(err, LS_ENOMEM, "out of memory");
	if (s == LS_OK)
		s = locate(ad, path, &config, err);
	if (s == LS_OK && config) {
		char *text;
		size_t len;
		s = ls_file_read_text(config, CONFIG_MAX_BYTES, &text, &len, err);
		if (s == LS_OK) {
			s = ls_adapter_config_parse(&ad->cfg, text, len, config, err);
			free(text);
		}
		ad->has_config = s == LS_OK;
	}
	if (s == LS_OK)
		s = ls_st_open(&st, ad->model_path, err);
	if (s == LS_OK)
		s = load_tensors(ad, &st, bases, err);
	ls_st_close(&st);
	free(config);
	if (s != LS_OK)
		ls_adapter_free(ad);
	return s;
}

size_t ls_adapter_name_prefix(const ls_adapter *ad)
{
	if (ad->nmod < 2)
		return 0;
	const char *first = ad->modules[0].name;
	size_t n = strlen(first);
	for (size_t i = 1; i < ad->nmod; i++) {
		size_t k = 0;
		while (k < n && first[k] == ad->modules[i].name[k])
			k++;
		n = k;
	}
	while (n > 0 && first[n - 1] != '.')
		n--;
	return n;
}
