/* adapter_config.c — adapter_config.json: the fields lorascope reads and PEFT's rank/alpha
 * pattern semantics (a key matches a whole trailing run of a module's name components). */
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/adapter.h"

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
