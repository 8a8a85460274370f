/* adapter.c — read a PEFT LoRA adapter (a directory or its .safetensors or torch.save .bin,
 * with its adapter_config.json) into modules: pairs lora_A/lora_B by name, saved tensors, DoRA
 * magnitudes; each module measured by adapter_measure.c. */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "adapter_priv.h"
#include "lorascope/fileio.h"
#include "lorascope/torchbin.h"

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
	if (ad->bases)
		munmap(ad->bases, ad->bases_bytes);
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

/* What every module of one adapter reuses: the spectrum workspace, the factors converted
 * from the file (A = B_peft, B = A_peftᵀ), and the bases arena still free. */
typedef struct {
	ls_spectrum_ws *ws;
	ls_mat A, B;
	double *store;
	size_t room; /* doubles left at store */
} module_scratch;

static ls_status add_module(ls_adapter *ad, const ls_safetensors *st, const ls_st_tensor *ta,
			    size_t plen, size_t letter, bool embedding, bool bases,
			    module_scratch *sc, ls_error *err)
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
	/* Straight into the factors of MATH.md §8: A = B_peft (out×r), B = A_peftᵀ (in×r). */
	ls_status s = ls_st_tensor_matrix_into(st, ta, true, &sc->B, err);
	if (s == LS_OK)
		s = ls_st_tensor_matrix_into(st, tb, false, &sc->A, err);
	if (s == LS_OK && sc->B.cols != sc->A.cols)
		s = ls_error_set(err, LS_EDIM,
				 "%s: module '%s': lora_A is %zu×%zu and lora_B %zu×%zu: ranks "
				 "differ",
				 ad->model_path, m->name, sc->B.cols, sc->B.rows, sc->A.rows,
				 sc->A.cols);
	if (s == LS_OK) {
		m->r = sc->B.cols;
		m->in = sc->B.rows;
		m->out = sc->A.rows;
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
		size_t k = m->r < m->out ? m->r : m->out;
		k = k < m->in ? k : m->in;
		double *store = NULL;
		if (bases && (m->out + m->in) * k <= sc->room) {
			store = sc->store;
			sc->store += (m->out + m->in) * k;
			sc->room -= (m->out + m->in) * k;
		}
		s = ls_adapter_module_spectrum(m, &sc->A, &sc->B, bases, store, &sc->ws, err);
		if (s != LS_OK && err) {
			char why[LS_ERROR_MSG_MAX];
			memcpy(why, err->msg, sizeof why);
			ls_error_set(err, s, "%s: module '%s': %.300s", ad->model_path, m->name,
				     why);
		}
	}
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

/* Elements of t flattened to 2-D past its first dimension; SIZE_MAX when absurd. */
static size_t flat_cols(const ls_st_tensor *t)
{
	size_t c = 1;
	for (size_t i = 1; i < t->ndim; i++) {
		if (t->shape[i] && c > LS_MAT_MAX_ELEMS / t->shape[i])
			return SIZE_MAX;
		c *= t->shape[i];
	}
	return c;
}

/* One mapping for the bases of every module, (out + in)·min(r, out, in) doubles each: fresh
 * pages are what the bases cost (235 MB for 224 modules of 4096×4096 at r = 16), and huge
 * pages fault in 512 times fewer. A module the arena cannot hold (a shape out of bounds, no
 * mapping) gets its bases allocated by ls_lowrank_compute_ws. */
static void map_bases(ls_adapter *ad, const ls_safetensors *st, module_scratch *sc)
{
	size_t total = 0;
	for (size_t i = 0; i < st->count; i++) {
		const ls_st_tensor *ta = &st->tensors[i], *tb;
		size_t letter;
		bool emb;
		if (ta->ndim == 0 || factor_name(ta->name, 'A', &letter, &emb) == (size_t)-1)
			continue;
		char *bname = partner_name(ta->name, letter, 'B');
		tb = bname ? ls_st_find(st, bname) : NULL;
		free(bname);
		if (!tb || tb->ndim == 0)
			continue;
		size_t r = ta->shape[0], in = flat_cols(ta), out = tb->shape[0];
		size_t k = r < out ? r : out;
		k = k < in ? k : in;
		size_t left = ls_mem_limit() / sizeof(double) - total;
		if (in > LS_MAT_MAX_ELEMS || out > LS_MAT_MAX_ELEMS || k == 0 ||
		    out + in > left / k)
			continue;
		total += (out + in) * k;
	}
	if (total == 0)
		return;
	void *p = mmap(NULL, total * sizeof(double), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
#ifdef MADV_HUGEPAGE
	madvise(p, total * sizeof(double), MADV_HUGEPAGE);
#endif
	ad->bases = sc->store = p;
	ad->bases_bytes = total * sizeof(double);
	sc->room = total;
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
	module_scratch sc = { 0 };
	if (bases)
		map_bases(ad, st, &sc);
	for (size_t i = 0; i < st->count && s == LS_OK; i++) {
		const ls_st_tensor *t = &st->tensors[i];
		size_t letter;
		bool emb;
		size_t plen = factor_name(t->name, 'A', &letter, &emb);
		if (plen != (size_t)-1) {
			s = add_module(ad, st, t, plen, letter, emb, bases, &sc, err);
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
	ls_spectrum_ws_free(sc.ws);
	ls_mat_free(&sc.A);
	ls_mat_free(&sc.B);
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
			/* Older PEFT versions wrote adapter_model.bin (torch.save). */
			free(ad->model_path);
			ad->model_path = join(path, "adapter_model.bin");
			if (!ad->model_path)
				return ls_error_set(err, LS_ENOMEM, "%s: out of memory", path);
			if (!exists(ad->model_path))
				return ls_error_set(err, LS_EIO,
						    "%s: no adapter_model.safetensors in this "
						    "directory (nor adapter_model.bin)",
						    path);
		}
		if (!exists(*config))
			return ls_error_set(err, LS_EIO,
					    "%s: no adapter_config.json in this directory", path);
		return LS_OK;
	}
	if (!ends_with(path, ".safetensors") && !ends_with(path, ".bin"))
		return ls_error_set(err, LS_EINVAL,
				    "%s: neither an adapter directory nor a .safetensors or .bin "
				    "file",
				    path);
	if (!(ad->model_path = strdup(path)))
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", path);
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (strcmp(base, "adapter_model.safetensors") == 0 ||
	    strcmp(base, "adapter_model.bin") == 0) {
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
		s = ends_with(ad->model_path, ".bin") ? ls_tb_open(&st, ad->model_path, err)
						      : ls_st_open(&st, ad->model_path, err);
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
