/* trace_read.c — the reader of trace files (trace.h): a CSV or JSON Lines trace back into
 * columns, rows, the run's options and events, for replay. Errors name FILE:LINE. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lorascope/fileio.h"
#include "lorascope/trace.h"

void ls_trace_free(ls_trace *t)
{
	if (!t)
		return;
	free(t->version);
	for (size_t i = 0; i < t->nrun; i++) {
		free((char *)t->run[i].name);
		free((char *)t->run[i].value);
	}
	free(t->run);
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cols);
	free(t->data);
	for (size_t i = 0; i < t->nevents; i++) {
		free(t->events[i].kind);
		free(t->events[i].text);
	}
	free(t->events);
	free(t);
}

long ls_trace_column_index(const ls_trace *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return (long)i;
	return -1;
}

const char *ls_trace_run_option(const ls_trace *t, const char *name)
{
	for (size_t i = 0; i < t->nrun; i++)
		if (strcmp(t->run[i].name, name) == 0)
			return t->run[i].value;
	return NULL;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

typedef struct {
	const char *path;
	size_t line;
	ls_trace *t;
	size_t row_cap, ev_cap;
} reader;

static ls_status fail(reader *r, ls_status st, ls_error *err, const char *msg)
{
	return ls_error_set(err, st, "%s:%zu: %s", r->path, r->line, msg);
}

static ls_status add_run(reader *r, const char *name, size_t nlen, const char *value, size_t vlen,
			 ls_error *err)
{
	ls_trace *t = r->t;
	ls_trace_kv *p = realloc(t->run, (t->nrun + 1) * sizeof *p);
	if (!p)
		return fail(r, LS_ENOMEM, err, "out of memory");
	t->run = p;
	p[t->nrun].name = dup_n(name, nlen);
	p[t->nrun].value = dup_n(value, vlen);
	t->nrun++;
	if (!p[t->nrun - 1].name || !p[t->nrun - 1].value)
		return fail(r, LS_ENOMEM, err, "out of memory");
	return LS_OK;
}

static ls_status set_param(reader *r, const char *name, const char *value, ls_error *err)
{
	ls_error e;
	ls_error_clear(&e);
	if (ls_config_set(&r->t->cfg, name, value, &e) != LS_OK)
		return fail(r, LS_EFORMAT, err, e.msg);
	return LS_OK;
}

static ls_status add_event(reader *r, const char *kind, size_t klen, long step, const char *text,
			   size_t tlen, bool unescape, ls_error *err)
{
	ls_trace *t = r->t;
	if (t->nevents == r->ev_cap) {
		size_t cap = r->ev_cap ? 2 * r->ev_cap : 16;
		ls_trace_event *p = realloc(t->events, cap * sizeof *p);
		if (!p)
			return fail(r, LS_ENOMEM, err, "out of memory");
		t->events = p;
		r->ev_cap = cap;
	}
	ls_trace_event *ev = &t->events[t->nevents];
	ev->kind = dup_n(kind, klen);
	ev->text = malloc(tlen + 1);
	ev->step = step;
	ev->row = t->nrows;
	t->nevents++;
	if (!ev->kind || !ev->text)
		return fail(r, LS_ENOMEM, err, "out of memory");
	size_t o = 0;
	for (size_t i = 0; i < tlen; i++) {
		if (unescape && text[i] == '\\' && i + 1 < tlen &&
		    (text[i + 1] == 'n' || text[i + 1] == '\\')) {
			ev->text[o++] = text[i + 1] == 'n' ? '\n' : '\\';
			i++;
		} else {
			ev->text[o++] = text[i];
		}
	}
	ev->text[o] = '\0';
	return LS_OK;
}

static ls_status add_column(reader *r, const char *name, size_t len, ls_error *err)
{
	ls_trace *t = r->t;
	char **p = realloc(t->cols, (t->ncols + 1) * sizeof *p);
	if (!p)
		return fail(r, LS_ENOMEM, err, "out of memory");
	t->cols = p;
	p[t->ncols] = dup_n(name, len);
	if (!p[t->ncols])
		return fail(r, LS_ENOMEM, err, "out of memory");
	t->ncols++;
	return LS_OK;
}

/* Room for one more row; returns its storage. */
static double *new_row(reader *r, ls_error *err, ls_status *st)
{
	ls_trace *t = r->t;
	if (t->nrows == r->row_cap) {
		size_t cap = r->row_cap ? 2 * r->row_cap : 64;
		double *p = realloc(t->data, cap * t->ncols * sizeof *p);
		if (!p) {
			*st = fail(r, LS_ENOMEM, err, "out of memory");
			return NULL;
		}
		t->data = p;
		r->row_cap = cap;
	}
	*st = LS_OK;
	return t->data + t->nrows++ * t->ncols;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* A comment line of a CSV trace (after "# "): a parameter or an event. */
static ls_status csv_comment(reader *r, const char *s, size_t len, ls_error *err)
{
	size_t k = 0;
	while (k < len && is_name_char(s[k]))
		k++;
	if (k == 0 || k == len || (s[k] != '=' && s[k] != ':'))
		return fail(r, LS_EFORMAT, err,
			    "a comment line is neither NAME=VALUE nor KIND: TEXT");
	if (s[k] == '=') {
		if (r->t->nrows > 0 || r->t->ncols > 0)
			return fail(r, LS_EFORMAT, err, "a parameter after the column names");
		if (k > 4 && strncmp(s, "run.", 4) == 0)
			return add_run(r, s + 4, k - 4, s + k + 1, len - k - 1, err);
		char name[64], value[256];
		if (k >= sizeof name || len - k - 1 >= sizeof value)
			return fail(r, LS_EFORMAT, err, "parameter line too long");
		memcpy(name, s, k);
		name[k] = '\0';
		memcpy(value, s + k + 1, len - k - 1);
		value[len - k - 1] = '\0';
		return set_param(r, name, value, err);
	}
	const char *text = s + k + 1;
	size_t tlen = len - k - 1;
	if (tlen > 0 && text[0] == ' ') {
		text++;
		tlen--;
	}
	long step = -1;
	if (tlen > 6 && strncmp(text, "[step ", 6) == 0) {
		char *end;
		errno = 0;
		long v = strtol(text + 6, &end, 10);
		if (!errno && end < text + tlen && *end == ']') {
			step = v;
			size_t used = (size_t)(end + 1 - text);
			if (used < tlen && text[used] == ' ')
				used++;
			text += used;
			tlen -= used;
		}
	}
	return add_event(r, s, k, step, text, tlen, true, err);
}

static ls_status csv_line(reader *r, const char *s, size_t len, ls_error *err)
{
	ls_trace *t = r->t;
	if (r->line == 1) {
		if (len < 12 || strncmp(s, "# lorascope ", 12) != 0)
			return fail(r, LS_EFORMAT, err,
				    "not a lorascope trace (no '# lorascope' line)");
		t->version = dup_n(s + 2, len - 2);
		return t->version ? LS_OK : fail(r, LS_ENOMEM, err, "out of memory");
	}
	if (len >= 2 && s[0] == '#' && s[1] == ' ')
		return csv_comment(r, s + 2, len - 2, err);
	if (t->ncols == 0) {
		for (size_t i = 0; i <= len;) {
			size_t j = i;
			while (j < len && s[j] != ',')
				j++;
			if (j == i)
				return fail(r, LS_EFORMAT, err, "empty column name");
			ls_status st = add_column(r, s + i, j - i, err);
			if (st != LS_OK)
				return st;
			i = j + 1;
		}
		return LS_OK;
	}
	ls_status st;
	double *row = new_row(r, err, &st);
	if (!row)
		return st;
	size_t nf = 0;
	for (size_t i = 0; i <= len; nf++) {
		size_t j = i;
		while (j < len && s[j] != ',')
			j++;
		char tok[64];
		if (nf >= t->ncols || j - i == 0 || j - i >= sizeof tok)
			return fail(r, LS_EFORMAT, err,
				    nf >= t->ncols ? "more fields than columns" : "bad field");
		memcpy(tok, s + i, j - i);
		tok[j - i] = '\0';
		char *end;
		row[nf] = strtod(tok, &end);
		if (*end != '\0')
			return fail(r, LS_EFORMAT, err, "a field is not a number");
		i = j + 1;
	}
	if (nf != t->ncols)
		return fail(r, LS_EFORMAT, err, "fewer fields than columns");
	return LS_OK;
}

static ls_status json_params(reader *r, json_t *obj, bool is_run, ls_error *err)
{
	if (!obj)
		return LS_OK;
	if (!json_is_object(obj))
		return fail(r, LS_EFORMAT, err,
			    is_run ? "\"run\" is not an object" : "\"params\" is not an object");
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		if (!json_is_string(v))
			return fail(r, LS_EFORMAT, err, "a parameter value is not a string");
		ls_status st = is_run ? add_run(r, key, strlen(key), json_string_value(v),
						json_string_length(v), err)
				      : set_param(r, key, json_string_value(v), err);
		if (st != LS_OK)
			return st;
	}
	return LS_OK;
}

static ls_status jsonl_line(reader *r, const char *s, size_t len, ls_error *err)
{
	ls_trace *t = r->t;
	json_error_t je;
	json_t *o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return fail(r, LS_EFORMAT, err, o ? "not a JSON object" : je.text);
	}
	ls_status st = LS_OK;
	if (r->line == 1) {
		json_t *v = json_object_get(o, "lorascope");
		if (!json_is_string(v)) {
			st = fail(r, LS_EFORMAT, err,
				  "not a lorascope trace (no \"lorascope\" key)");
		} else {
			size_t n = strlen("lorascope ") + json_string_length(v) + 1;
			t->version = malloc(n);
			if (t->version)
				snprintf(t->version, n, "lorascope %s", json_string_value(v));
			st = t->version ? json_params(r, json_object_get(o, "params"), false, err)
					: fail(r, LS_ENOMEM, err, "out of memory");
			if (st == LS_OK)
				st = json_params(r, json_object_get(o, "run"), true, err);
		}
		json_decref(o);
		return st;
	}
	const char *type = json_string_value(json_object_get(o, "type"));
	if (type && strcmp(type, "event") == 0) {
		json_t *kind = json_object_get(o, "kind"), *text = json_object_get(o, "text");
		json_t *step = json_object_get(o, "step");
		if (!json_is_string(kind) || !json_is_string(text) || !json_is_integer(step))
			st = fail(r, LS_EFORMAT, err, "an event needs kind, step and text");
		else
			st = add_event(r, json_string_value(kind), json_string_length(kind),
				       (long)json_integer_value(step), json_string_value(text),
				       json_string_length(text), false, err);
	} else if (type && strcmp(type, "row") == 0) {
		if (t->ncols == 0) {
			const char *key;
			json_t *v;
			json_object_foreach(o, key, v)
			{
				if (strcmp(key, "type") != 0 && st == LS_OK)
					st = add_column(r, key, strlen(key), err);
			}
		}
		double *row = st == LS_OK ? new_row(r, err, &st) : NULL;
		if (row && json_object_size(o) != t->ncols + 1)
			st = fail(r, LS_EFORMAT, err, "a row with other columns than the first");
		for (size_t i = 0; row && st == LS_OK && i < t->ncols; i++) {
			json_t *v = json_object_get(o, t->cols[i]);
			if (json_is_null(v))
				row[i] = NAN;
			else if (json_is_number(v))
				row[i] = json_number_value(v);
			else
				st = fail(r, LS_EFORMAT, err,
					  "a row value is neither a number nor null");
		}
	} else {
		st = fail(r, LS_EFORMAT, err, "an object of unknown \"type\"");
	}
	json_decref(o);
	return st;
}

ls_status ls_trace_read(const char *path, ls_trace **out, ls_error *err)
{
	*out = NULL;
	char *buf;
	size_t len;
	ls_status st = ls_file_read_text(path, LS_TEXT_MAX_BYTES, &buf, &len, err);
	if (st != LS_OK)
		return st;
	ls_trace *t = calloc(1, sizeof *t);
	if (!t) {
		free(buf);
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", path);
	}
	ls_config_defaults(&t->cfg);
	reader r = { .path = path, .line = 0, .t = t };
	t->format = len > 0 && buf[0] == '{' ? LS_TRACE_JSONL : LS_TRACE_CSV;
	locale_t old = ls_c_locale_push();
	for (size_t i = 0; st == LS_OK && i < len;) {
		size_t j = i;
		while (j < len && buf[j] != '\n')
			j++;
		size_t e = j;
		if (e > i && buf[e - 1] == '\r')
			e--;
		r.line++;
		if (e > i)
			st = t->format == LS_TRACE_JSONL ? jsonl_line(&r, buf + i, e - i, err)
							 : csv_line(&r, buf + i, e - i, err);
		else if (r.line == 1)
			st = fail(&r, LS_EFORMAT, err, "not a lorascope trace (empty first line)");
		i = j + 1;
	}
	if (old)
		ls_c_locale_pop(old);
	free(buf);
	if (st == LS_OK && !t->version)
		st = ls_error_set(err, LS_EFORMAT, "%s: empty file", path);
	if (st != LS_OK) {
		ls_trace_free(t);
		return st;
	}
	*out = t;
	return LS_OK;
}
