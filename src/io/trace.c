/* trace.c — trace files (trace.h): the column table, and the writer of the parameter header,
 * rows and events in CSV or JSON Lines (the reader is trace_read.c). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
