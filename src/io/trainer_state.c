/* trainer_state.c — the training curves of a Hugging Face Trainer's trainer_state.json: one
 * row per log_history entry (step, epoch, loss, eval_loss, grad_norm, learning_rate; NaN
 * where the entry has no such key). Python's json writes NaN/Infinity as bare literals,
 * which JSON (and jansson) refuse: they are quoted before parsing and read back as numbers. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/watch.h"

void ls_watch_curves_free(ls_watch_curves *c)
{
	free(c->step);
	free(c->epoch);
	free(c->loss);
	free(c->eval_loss);
	free(c->grad_norm);
	free(c->learning_rate);
	free(c->source);
	memset(c, 0, sizeof *c);
}

/* Copy text with every NaN, Infinity and -Infinity outside strings quoted ("NaN", ...). */
static char *quote_literals(const char *text, size_t len, size_t *out_len)
{
	static const char *const lit[] = { "-Infinity", "Infinity", "NaN" };
	/* Each literal grows by 2 bytes and is at least 3 long: 5/3 of len bounds the copy. */
	char *out = malloc(len + len / 3 * 2 + 3);
	if (!out)
		return NULL;
	size_t o = 0;
	bool in_string = false;
	for (size_t i = 0; i < len;) {
		char ch = text[i];
		if (in_string) {
			out[o++] = ch;
			if (ch == '\\' && i + 1 < len)
				out[o++] = text[++i];
			else if (ch == '"')
				in_string = false;
			i++;
			continue;
		}
		if (ch == '"') {
			in_string = true;
			out[o++] = text[i++];
			continue;
		}
		size_t k = 0;
		for (; k < sizeof lit / sizeof lit[0]; k++) {
			size_t n = strlen(lit[k]);
			if (n <= len - i && memcmp(text + i, lit[k], n) == 0)
				break;
		}
		if (k < sizeof lit / sizeof lit[0]) {
			size_t n = strlen(lit[k]);
			out[o++] = '"';
			memcpy(out + o, lit[k], n);
			o += n;
			out[o++] = '"';
			i += n;
		} else {
			out[o++] = text[i++];
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* The number under key in entry, NaN when absent or null; a quoted literal back to its value.
 * Anything else is a format error. */
static ls_status number(const json_t *entry, const char *key, size_t index, const char *name,
			double *x, ls_error *err)
{
	json_t *v = json_object_get(entry, key);
	*x = NAN;
	if (!v || json_is_null(v))
		return LS_OK;
	if (json_is_number(v)) {
		*x = json_number_value(v);
		return LS_OK;
	}
	const char *s = json_string_value(v);
	if (s && strcmp(s, "NaN") == 0)
		return LS_OK;
	if (s && (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0)) {
		*x = s[0] == '-' ? -INFINITY : INFINITY;
		return LS_OK;
	}
	return ls_error_set(err, LS_EFORMAT, "%s: log_history[%zu].%s is not a number", name, index,
			    key);
}

ls_status ls_trainer_state_parse(ls_watch_curves *c, const char *text, size_t len, const char *name,
				 ls_error *err)
{
	ls_watch_curves_free(c);
	size_t qlen;
	char *q = quote_literals(text, len, &qlen);
	if (!q)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	json_error_t je;
	json_t *root = json_loadb(q, qlen, JSON_REJECT_DUPLICATES, &je);
	free(q);
	if (!root)
		return ls_error_set(err, LS_EFORMAT, "%s: line %d: %s", name, je.line, je.text);
	ls_status s = LS_OK;
	json_t *hist = json_is_object(root) ? json_object_get(root, "log_history") : NULL;
	if (!json_is_object(root))
		s = ls_error_set(err, LS_EFORMAT, "%s: not a JSON object", name);
	else if (!json_is_array(hist))
		s = ls_error_set(err, LS_EFORMAT, "%s: no log_history array", name);
	size_t n = s == LS_OK ? json_array_size(hist) : 0;
	double **cols[] = { &c->step,      &c->epoch,     &c->loss,
			    &c->eval_loss, &c->grad_norm, &c->learning_rate };
	static const char *const keys[] = { "step",      "epoch",     "loss",
					    "eval_loss", "grad_norm", "learning_rate" };
	for (size_t j = 0; j < 6 && s == LS_OK; j++)
		if (!(*cols[j] = malloc((n + 1) * sizeof **cols[j])))
			s = ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	for (size_t i = 0; i < n && s == LS_OK; i++) {
		json_t *e = json_array_get(hist, i);
		if (!json_is_object(e)) {
			s = ls_error_set(err, LS_EFORMAT, "%s: log_history[%zu] is not an object",
					 name, i);
			break;
		}
		for (size_t j = 0; j < 6 && s == LS_OK; j++)
			s = number(e, keys[j], i, name, &(*cols[j])[i], err);
	}
	json_decref(root);
	if (s == LS_OK && !(c->source = strdup(name)))
		s = ls_error_set(err, LS_ENOMEM, "%s: out of memory", name);
	if (s != LS_OK) {
		ls_watch_curves_free(c);
		return s;
	}
	c->n = n;
	return LS_OK;
}
