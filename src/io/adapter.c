/* adapter.c — read a PEFT LoRA adapter and measure every module's update ΔW = s·B·A:
 * singular values the cheap way (MATH.md §8), norms, stable and energy ranks, flags. */
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lorascope/adapter.h"
#include "lorascope/fileio.h"
#include "lorascope/spectrum.h"

const char *const ls_adapter_flag_names[LS_AF_COUNT] = {
#define LS_AF_NAME(id, name, legend) name,
	LS_ADAPTER_FLAG_LIST(LS_AF_NAME)
#undef LS_AF_NAME
};
const char *const ls_adapter_flag_legend[LS_AF_COUNT] = {
#define LS_AF_LEGEND(id, name, legend) legend,
	LS_ADAPTER_FLAG_LIST(LS_AF_LEGEND)
#undef LS_AF_LEGEND
};

#define MODEL_PREFIX "base_model.model."
#define CONFIG_MAX_BYTES ((size_t)16 << 20)

/* ---- adapter_config.json ---- */

void ls_adapter_config_free(ls_adapter_config *cfg)
{
	for (size_t i = 0; i < cfg->nrank; i++)
		free(cfg->rank_pattern[i].key);
	for (size_t i = 0; i < cfg->nalpha; i++)
		free(cfg->alpha_pattern[i].key);
	for (size_t i = 0; i < cfg->nsave; i++)
		free(cfg->modules_to_save[i]);
	free(cfg->rank_pattern);
	free(cfg->alpha_pattern);
	free(cfg->modules_to_save);
	free(cfg->peft_type);
	free(cfg->base_model);
	memset(cfg, 0, sizeof *cfg);
}

/* Compile PEFT's pattern for key: the key matches a whole trailing run of name components. */
static bool pattern_compile(regex_t *re, const char *key)
{
	size_t n = strlen(key);
	char *pat = malloc(n + 16);
	if (!pat)
		return false;
	snprintf(pat, n + 16, "^(.*\\.)?(%s)$", key);
	int rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
	free(pat);
	return rc == 0;
}

static ls_status parse_patterns(json_t *obj, const char *field, bool integer, const char *name,
				ls_adapter_pattern **out, size_t *count, ls_error *err)
{
	if (!obj || json_is_null(obj))
		return LS_OK;
	if (!json_is_object(obj))
		return ls_error_set(err, LS_EFORMAT, "%s: '%s' must be an object", name, field);
	*out = calloc(json_object_size(obj) + 1, sizeof **out);
	if (!*out)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		if (integer ? !json_is_integer(v) : !json_is_number(v))
			return ls_error_set(err, LS_EFORMAT, "%s: %s['%s'] must be %s", name, field,
					    key, integer ? "an integer" : "a number");
		double x = json_number_value(v);
		if (!(x > 0) || !isfinite(x))
			return ls_error_set(err, LS_ERANGE, "%s: %s['%s'] must be positive", name,
					    field, key);
		regex_t re;
		if (!pattern_compile(&re, key))
			return ls_error_set(err, LS_EFORMAT,
					    "%s: %s key '%s' is not a valid regular expression",
					    name, field, key);
		regfree(&re);
		if (!((*out)[*count].key = strdup(key)))
			return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
		(*out)[(*count)++].value = x;
	}
	return LS_OK;
}

static ls_status get_bool(json_t *root, const char *field, bool *v, const char *name, ls_error *err)
{
	json_t *x = json_object_get(root, field);
	if (!x || json_is_null(x))
		return LS_OK;
	if (!json_is_boolean(x))
		return ls_error_set(err, LS_EFORMAT, "%s: '%s' must be true or false", name, field);
	*v = json_is_true(x);
	return LS_OK;
}

static ls_status get_positive(json_t *root, const char *field, double *v, const char *name,
			      ls_error *err)
{
	json_t *x = json_object_get(root, field);
	if (!x || json_is_null(x))
		return LS_OK;
	if (!json_is_number(x) || !(json_number_value(x) > 0) || !isfinite(json_number_value(x)))
		return ls_error_set(err, LS_EFORMAT, "%s: '%s' must be a positive number", name,
				    field);
	*v = json_number_value(x);
	return LS_OK;
}

static ls_status get_string(json_t *root, const char *field, char **v, const char *name,
			    ls_error *err)
{
	json_t *x = json_object_get(root, field);
	if (!x || json_is_null(x))
		return LS_OK;
	if (!json_is_string(x))
		return ls_error_set(err, LS_EFORMAT, "%s: '%s' must be a string", name, field);
	if (!(*v = strdup(json_string_value(x))))
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	return LS_OK;
}

static ls_status config_fields(ls_adapter_config *cfg, json_t *root, const char *name,
			       ls_error *err)
{
	ls_status s;
	if (!json_is_object(root))
		return ls_error_set(err, LS_EFORMAT, "%s: not a JSON object", name);
	if ((s = get_string(root, "peft_type", &cfg->peft_type, name, err)) != LS_OK)
		return s;
	if (cfg->peft_type && strcmp(cfg->peft_type, "LORA") != 0)
		return ls_error_set(err, LS_EUNSUPPORTED,
				    "%s: peft_type '%s' not supported (only LORA)", name,
				    cfg->peft_type);
	if ((s = get_string(root, "base_model_name_or_path", &cfg->base_model, name, err)) ||
	    (s = get_positive(root, "r", &cfg->r, name, err)) ||
	    (s = get_positive(root, "lora_alpha", &cfg->lora_alpha, name, err)) ||
	    (s = get_bool(root, "use_rslora", &cfg->use_rslora, name, err)) ||
	    (s = get_bool(root, "fan_in_fan_out", &cfg->fan_in_fan_out, name, err)) ||
	    (s = get_bool(root, "use_dora", &cfg->use_dora, name, err)))
		return s;
	if ((s = parse_patterns(json_object_get(root, "rank_pattern"), "rank_pattern", true, name,
				&cfg->rank_pattern, &cfg->nrank, err)) ||
	    (s = parse_patterns(json_object_get(root, "alpha_pattern"), "alpha_pattern", false,
				name, &cfg->alpha_pattern, &cfg->nalpha, err)))
		return s;
	json_t *mts = json_object_get(root, "modules_to_save");
	if (mts && !json_is_null(mts)) {
		if (!json_is_array(mts))
			return ls_error_set(err, LS_EFORMAT,
					    "%s: 'modules_to_save' must be a list of names", name);
		cfg->modules_to_save = calloc(json_array_size(mts) + 1, sizeof(char *));
		if (!cfg->modules_to_save)
			return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
		size_t i;
		json_t *v;
		json_array_foreach(mts, i, v)
		{
			if (!json_is_string(v))
				return ls_error_set(err, LS_EFORMAT,
						    "%s: 'modules_to_save' must be a list of names",
						    name);
			if (!(cfg->modules_to_save[cfg->nsave] = strdup(json_string_value(v))))
				return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
			cfg->nsave++;
		}
	}
	return LS_OK;
}

ls_status ls_adapter_config_parse(ls_adapter_config *cfg, const char *text, size_t len,
				  const char *name, ls_error *err)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->r = 8;
	cfg->lora_alpha = 8;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return ls_error_set(err, LS_EFORMAT, "%s: bad JSON at line %d, column %d: %s", name,
				    jerr.line, jerr.column, jerr.text);
	ls_status s = config_fields(cfg, root, name, err);
	json_decref(root);
	if (s != LS_OK)
		ls_adapter_config_free(cfg);
	return s;
}

static double pattern_lookup(const ls_adapter_pattern *p, size_t n, const char *module,
			     double fallback)
{
	for (size_t i = 0; i < n; i++) {
		regex_t re;
		if (!pattern_compile(&re, p[i].key))
			continue; /* validated at parse time; only an allocation can fail here */
		int rc = regexec(&re, module, 0, NULL, 0);
		regfree(&re);
		if (rc == 0)
			return p[i].value;
	}
	return fallback;
}

void ls_adapter_config_lookup(const ls_adapter_config *cfg, const char *module, double *r,
			      double *alpha)
{
	*r = pattern_lookup(cfg->rank_pattern, cfg->nrank, module, cfg->r);
	*alpha = pattern_lookup(cfg->alpha_pattern, cfg->nalpha, module, cfg->lora_alpha);
}

/* ---- the modules ---- */

void ls_adapter_free(ls_adapter *ad)
{
	for (size_t i = 0; i < ad->nmod; i++) {
		free(ad->modules[i].name);
		free(ad->modules[i].sigma);
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

/* Where ".lora_A." (or ".lora_embedding_A.") sits in name; *tag gets its length. */
static const char *find_tag(const char *name, char which, size_t *tag)
{
	char a[24], e[24];
	snprintf(a, sizeof a, ".lora_%c.", which);
	snprintf(e, sizeof e, ".lora_embedding_%c.", which);
	const char *p = strstr(name, a);
	if (p) {
		*tag = strlen(a);
		return p;
	}
	p = strstr(name, e);
	*tag = p ? strlen(e) : 0;
	return p;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool is_lora_weight(const char *name, char which)
{
	size_t tag;
	const char *p = find_tag(name, which, &tag);
	return p && ends_with(p + tag - 1, ".weight");
}

static double median(double *v, size_t n)
{
	/* Insertion sort: n is the number of modules. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The threshold above which a value is "far" above the healthy modules' values. */
static double far_threshold(const ls_adapter *ad, bool fro, double *scratch)
{
	size_t n = 0;
	for (size_t i = 0; i < ad->nmod; i++) {
		const ls_adapter_module *m = &ad->modules[i];
		if (!(m->flags & (LS_AF(LS_AF_B_ZERO) | LS_AF(LS_AF_NONFINITE))))
			scratch[n++] = fro ? m->fro : m->stable_rank;
	}
	if (n < LS_ADAPTER_FAR_MIN)
		return INFINITY;
	double med = median(scratch, n);
	for (size_t i = 0; i < n; i++)
		scratch[i] = fabs(scratch[i] - med);
	double mad = median(scratch, n);
	return fmax(med + LS_ADAPTER_FAR_K * 1.4826 * mad, LS_ADAPTER_FAR_RATIO * med);
}

static ls_status flag_outliers(ls_adapter *ad, ls_error *err)
{
	double *scratch = malloc((ad->nmod + 1) * sizeof *scratch);
	if (!scratch)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", ad->path);
	double t_sr = far_threshold(ad, false, scratch);
	double t_fro = far_threshold(ad, true, scratch);
	free(scratch);
	for (size_t i = 0; i < ad->nmod; i++) {
		ls_adapter_module *m = &ad->modules[i];
		if (m->flags & (LS_AF(LS_AF_B_ZERO) | LS_AF(LS_AF_NONFINITE)))
			continue;
		if (m->stable_rank > t_sr && m->fro > t_fro) {
			m->flags |= LS_AF(LS_AF_LOUD);
			ad->nloud++;
		}
	}
	return LS_OK;
}

static void measure(ls_adapter_module *m)
{
	double total = 0;
	m->nuclear = 0;
	for (size_t i = 0; i < m->k; i++) {
		total += m->sigma[i] * m->sigma[i];
		m->nuclear += m->sigma[i];
	}
	m->fro = sqrt(total);
	m->spec = m->k ? m->sigma[0] : 0;
	m->stable_rank = m->spec > 0 ? total / (m->spec * m->spec) : 0;
	double acc = 0;
	m->erank90 = m->erank99 = 0;
	for (size_t i = 0; i < m->k && total > 0; i++) {
		acc += m->sigma[i] * m->sigma[i];
		if (!m->erank90 && acc >= 0.90 * total)
			m->erank90 = i + 1;
		if (!m->erank99 && acc >= 0.99 * total)
			m->erank99 = i + 1;
	}
	if (total > 0 && !m->erank99)
		m->erank99 = m->k;
	if (total > 0 && !m->erank90)
		m->erank90 = m->k;
}

/* The spectrum of one module from its PEFT factors Ap (r×in) and Bp (out×r). */
static ls_status module_spectrum(ls_adapter_module *m, const ls_mat *Ap, const ls_mat *Bp,
				 ls_error *err)
{
	m->k = m->r < m->out ? m->r : m->out;
	if (m->in < m->k)
		m->k = m->in;
	m->sigma = calloc(m->k + 1, sizeof *m->sigma);
	if (!m->sigma)
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	bool zero = true;
	for (size_t j = 0; j < Bp->cols && zero; j++)
		for (size_t i = 0; i < Bp->rows && zero; i++)
			zero = LS_AT(*Bp, i, j) == 0.0;
	if (zero)
		m->flags |= LS_AF(LS_AF_B_ZERO);
	if (!ls_mat_isfinite(Ap) || !ls_mat_isfinite(Bp)) {
		m->flags |= LS_AF(LS_AF_NONFINITE);
		for (size_t i = 0; i < m->k; i++)
			m->sigma[i] = NAN;
		m->fro = m->spec = m->nuclear = m->stable_rank = NAN;
		return LS_OK;
	}
	/* MATH.md notation: A = B_peft (out×r), B = A_peftᵀ (in×r). */
	ls_mat Bt = { 0 };
	ls_spectrum_ws *ws = NULL;
	ls_status s = ls_mat_alloc(&Bt, m->in, m->r, err);
	if (s == LS_OK)
		s = ls_mat_transpose(&Bt, Ap);
	if (s == LS_OK)
		s = ls_spectrum_ws_alloc(&ws, m->out, m->in, m->r, err);
	if (s == LS_OK)
		s = ls_spectrum_lowrank(ws, Bp, &Bt, m->scaling, m->sigma, NULL, NULL, NULL, err);
	ls_spectrum_ws_free(ws);
	ls_mat_free(&Bt);
	if (s == LS_OK)
		measure(m);
	return s;
}

static ls_status add_module(ls_adapter *ad, const ls_safetensors *st, const ls_st_tensor *ta,
			    ls_error *err)
{
	size_t tag;
	const char *p = find_tag(ta->name, 'A', &tag);
	size_t plen = (size_t)(p - ta->name);
	bool embedding = tag > strlen(".lora_A.");
	/* The partner: same name with lora_A → lora_B. */
	size_t n = strlen(ta->name);
	char *bname = malloc(n + 1);
	if (!bname)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", ad->model_path);
	memcpy(bname, ta->name, n + 1);
	bname[plen + tag - 2] = 'B';
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
		s = module_spectrum(m, &Ap, &Bp, err);
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

static ls_status add_tensor(ls_adapter *ad, const ls_st_tensor *t, bool magnitude, ls_error *err)
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
	/* PEFT wraps every module whose name ends with an entry of modules_to_save (a plain
	 * string suffix: "classifier" also takes "pre_classifier"). */
	for (size_t i = 0; i < ad->cfg.nsave; i++)
		x->listed |= ends_with(x->module, ad->cfg.modules_to_save[i]);
	return LS_OK;
}

static ls_status load_tensors(ls_adapter *ad, const ls_safetensors *st, ls_error *err)
{
	size_t n = st->count + 1;
	ad->modules = calloc(n, sizeof *ad->modules);
	ad->saved = calloc(n, sizeof *ad->saved);
	ad->magnitudes = calloc(n, sizeof *ad->magnitudes);
	if (!ad->modules || !ad->saved || !ad->magnitudes)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", ad->model_path);
	ls_status s = LS_OK;
	for (size_t i = 0; i < st->count && s == LS_OK; i++) {
		const ls_st_tensor *t = &st->tensors[i];
		if (is_lora_weight(t->name, 'A')) {
			s = add_module(ad, st, t, err);
		} else if (is_lora_weight(t->name, 'B')) {
			/* Paired from its lora_A; a lone lora_B is an error. */
			size_t tag;
			const char *p = find_tag(t->name, 'B', &tag);
			char *aname = strdup(t->name);
			if (!aname)
				return ls_error_set(err, LS_ENOMEM, "out of memory");
			aname[(size_t)(p - t->name) + tag - 2] = 'A';
			bool found = ls_st_find(st, aname) != NULL;
			free(aname);
			if (!found)
				s = ls_error_set(err, LS_EFORMAT,
						 "%s: '%s' has no matching lora_A tensor",
						 ad->model_path, t->name);
		} else {
			s = add_tensor(ad, t, strstr(t->name, ".lora_magnitude_vector") != NULL,
				       err);
		}
	}
	if (s != LS_OK)
		return s;
	for (size_t i = 0; i < ad->nsaved; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(ad->saved[i].module, ad->saved[j].module) == 0;
		ad->nsaved_modules += !seen;
	}
	if (ad->nmod == 0)
		return ls_error_set(err, LS_EFORMAT,
				    "%s: no LoRA modules (no lora_A/lora_B tensors)",
				    ad->model_path);
	return flag_outliers(ad, err);
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
			   ls_error *err)
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
			      ? load_tensors(ad, st, err)
			      : ls_error_set(err, LS_ENOMEM, "%s: out of memory", st->path);
	if (s != LS_OK)
		ls_adapter_free(ad);
	return s;
}

ls_status ls_adapter_load(ls_adapter *ad, const char *path, ls_error *err)
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
		s = load_tensors(ad, &st, err);
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

void ls_adapter_flags_text(unsigned flags, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (int b = 0; b < LS_AF_COUNT; b++)
		if (flags & (1u << b))
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "",
					      ls_adapter_flag_names[b]);
	if (!n)
		snprintf(out, cap, "-");
}
