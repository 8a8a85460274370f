/* trace.c — trace files (trace.h): the writer of the parameter header, rows and events in
 * CSV or JSON Lines, and the reader that loads a trace back for replay. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lorascope/fileio.h"
#include "lorascope/trace.h"

const ls_trace_column ls_trace_columns[] = {
#define LS_TRACE_COL(cname, ctype, field, ctiming, chelp) \
	{ .name = cname,                                  \
	  .type = LS_TRACE_##ctype,                       \
	  .offset = offsetof(ls_metrics, field),          \
	  .timing = ctiming,                              \
	  .help = chelp },
	LS_TRACE_COLUMN_LIST(LS_TRACE_COL)
#undef LS_TRACE_COL
};
const size_t ls_trace_ncolumns = sizeof ls_trace_columns / sizeof ls_trace_columns[0];

double ls_trace_column_value(const ls_trace_column *c, const ls_metrics *m)
{
	const char *p = (const char *)m + c->offset;
	switch (c->type) {
	case LS_TRACE_LONG:
		return (double)*(const long *)p;
	case LS_TRACE_SIZE:
		return (double)*(const size_t *)p;
	case LS_TRACE_REAL:
		break;
	}
	return *(const double *)p;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool ls_trace_format_of_path(const char *path, ls_trace_format *fmt)
{
	if (ends_with(path, ".jsonl") || ends_with(path, ".json") || ends_with(path, ".ndjson")) {
		*fmt = LS_TRACE_JSONL;
		return true;
	}
	if (ends_with(path, ".csv")) {
		*fmt = LS_TRACE_CSV;
		return true;
	}
	return false;
}

/* A JSON string literal of s (control characters escaped). */
static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static void put_real(FILE *f, double v, ls_trace_format fmt)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else if (fmt == LS_TRACE_JSONL)
		fputs("null", f);
	else
		fputs(isnan(v) ? "nan" : v > 0 ? "inf" : "-inf", f);
}

static ls_status stream_status(FILE *f, ls_error *err)
{
	return ferror(f) ? ls_error_set(err, LS_EIO, "trace: write error") : LS_OK;
}

/* The parameter lines: CSV comments, or the JSONL header object. */
static ls_status write_params(FILE *f, ls_trace_format fmt, const ls_config *cfg,
			      const ls_trace_kv *run, size_t nrun, ls_error *err)
{
	char buf[LS_PARAM_VALUE_MAX];
	locale_t old = ls_c_locale_push();
	if (fmt == LS_TRACE_JSONL) {
		fputs("{\"lorascope\":", f);
		put_json_string(f, PACKAGE_VERSION);
		fputs(",\"params\":{", f);
		for (int i = 0; i < LS_PARAM_COUNT; i++) {
			ls_config_format(cfg, (ls_param_id)i, buf, sizeof buf);
			fprintf(f, "%s\"%s\":", i ? "," : "", ls_params[i].name);
			put_json_string(f, buf);
		}
		fputs("},\"run\":{", f);
		for (size_t i = 0; i < nrun; i++) {
			fputs(i ? "," : "", f);
			put_json_string(f, run[i].name);
			fputc(':', f);
			put_json_string(f, run[i].value);
		}
		fputs("}}\n", f);
	} else {
		fprintf(f, "# lorascope %s\n", PACKAGE_VERSION);
		for (int i = 0; i < LS_PARAM_COUNT; i++) {
			ls_config_format(cfg, (ls_param_id)i, buf, sizeof buf);
			fprintf(f, "# %s=%s\n", ls_params[i].name, buf);
		}
		for (size_t i = 0; i < nrun; i++)
			fprintf(f, "# run.%s=%s\n", run[i].name, run[i].value);
	}
	if (old)
		ls_c_locale_pop(old);
	return stream_status(f, err);
}

ls_status ls_trace_write_header(FILE *f, ls_trace_format fmt, const ls_config *cfg,
				const ls_trace_kv *run, size_t nrun, bool timing, ls_error *err)
{
	ls_status st = write_params(f, fmt, cfg, run, nrun, err);
	if (st != LS_OK || fmt == LS_TRACE_JSONL)
		return st;
	bool first = true;
	for (size_t i = 0; i < ls_trace_ncolumns; i++) {
		if (ls_trace_columns[i].timing && !timing)
			continue;
		fprintf(f, "%s%s", first ? "" : ",", ls_trace_columns[i].name);
		first = false;
	}
	fputc('\n', f);
	return stream_status(f, err);
}

ls_status ls_trace_write_row(FILE *f, ls_trace_format fmt, const ls_metrics *m, bool timing,
			     ls_error *err)
{
	locale_t old = ls_c_locale_push();
	if (fmt == LS_TRACE_JSONL)
		fputs("{\"type\":\"row\"", f);
	bool first = true;
	for (size_t i = 0; i < ls_trace_ncolumns; i++) {
		const ls_trace_column *c = &ls_trace_columns[i];
		if (c->timing && !timing)
			continue;
		if (fmt == LS_TRACE_JSONL)
			fprintf(f, ",\"%s\":", c->name);
		else if (!first)
			fputc(',', f);
		first = false;
		if (c->type == LS_TRACE_LONG)
			fprintf(f, "%ld", *(const long *)((const char *)m + c->offset));
		else if (c->type == LS_TRACE_SIZE)
			fprintf(f, "%zu", *(const size_t *)((const char *)m + c->offset));
		else
			put_real(f, ls_trace_column_value(c, m), fmt);
	}
	fputs(fmt == LS_TRACE_JSONL ? "}\n" : "\n", f);
	if (old)
		ls_c_locale_pop(old);
	return stream_status(f, err);
}

ls_status ls_trace_write_event(FILE *f, ls_trace_format fmt, const char *kind, long step,
			       const char *text, ls_error *err)
{
	if (fmt == LS_TRACE_JSONL) {
		fputs("{\"type\":\"event\",\"kind\":", f);
		put_json_string(f, kind);
		fprintf(f, ",\"step\":%ld,\"text\":", step);
		put_json_string(f, text);
		fputs("}\n", f);
	} else {
		fprintf(f, "# %s: [step %ld] ", kind, step);
		for (const char *c = text; *c; c++) {
			if (*c == '\n')
				fputs("\\n", f);
			else if (*c == '\\')
				fputs("\\\\", f);
			else if (*c != '\r')
				fputc(*c, f);
		}
		fputc('\n', f);
	}
	return stream_status(f, err);
}

/* ---- The history as a trace ---- */

typedef struct {
	ls_trace_format fmt;
	const ls_config *cfg;
	const ls_history *h;
} history_ctx;

static ls_status write_history(FILE *f, const void *vctx, ls_error *err)
{
	const history_ctx *c = vctx;
	const ls_history *h = c->h;
	char stride[32];
	snprintf(stride, sizeof stride, "%ld", h->stride);
	const ls_trace_kv run[] = { { "source", "history" }, { "stride", stride } };
	const char *names[] = {
#define HS_NAME(x, npy_col) #x,
		LS_HISTORY_SERIES(HS_NAME)
#undef HS_NAME
	};
	size_t nser = sizeof names / sizeof names[0];
	ls_status st = write_params(f, c->fmt, c->cfg, run, 2, err);
	if (st != LS_OK)
		return st;
	locale_t old = ls_c_locale_push();
	if (c->fmt == LS_TRACE_CSV) {
		fputs("step", f);
		for (size_t j = 0; j < nser; j++)
			fprintf(f, ",%s", names[j]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < h->len; i++) {
		const double v[] = {
#define HS_VALUE(x, npy_col) h->x[i],
			LS_HISTORY_SERIES(HS_VALUE)
#undef HS_VALUE
		};
		if (c->fmt == LS_TRACE_JSONL)
			fprintf(f, "{\"type\":\"row\",\"step\":%ld", h->step[i]);
		else
			fprintf(f, "%ld", h->step[i]);
		for (size_t j = 0; j < nser; j++) {
			if (c->fmt == LS_TRACE_JSONL)
				fprintf(f, ",\"%s\":", names[j]);
			else
				fputc(',', f);
			put_real(f, v[j], c->fmt);
		}
		fputs(c->fmt == LS_TRACE_JSONL ? "}\n" : "\n", f);
	}
	if (old)
		ls_c_locale_pop(old);
	return stream_status(f, err);
}

ls_status ls_trace_save_history(const char *path, ls_trace_format fmt, const ls_config *cfg,
				const ls_history *h, ls_error *err)
{
	history_ctx c = { .fmt = fmt, .cfg = cfg, .h = h };
	return ls_file_write_atomic(path, write_history, &c, err);
}

/* ---- Reader ---- */

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
