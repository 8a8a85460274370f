/* output.c — the three output formats of `lorascope run`, driven by one column table. */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "output.h"

const char *const ls_out_format_names[] = { "table", "csv", "jsonl", NULL };

typedef enum { COL_LONG, COL_SIZE, COL_REAL } col_type;

typedef struct {
	const char *name;
	col_type type;
	size_t offset; /* into ls_metrics */
	bool timing;   /* left out with --no-timing */
} column;

/* The row columns, in print order. */
static const column columns[] = {
	{ "step", COL_LONG, offsetof(ls_metrics, step), false },
	{ "loss", COL_REAL, offsetof(ls_metrics, loss), false },
	{ "reg_loss", COL_REAL, offsetof(ls_metrics, reg_loss), false },
	{ "grad_norm", COL_REAL, offsetof(ls_metrics, grad_norm), false },
	{ "eta", COL_REAL, offsetof(ls_metrics, eta), false },
	{ "rank", COL_SIZE, offsetof(ls_metrics, num_rank), false },
	{ "ratio", COL_REAL, offsetof(ls_metrics, ratio), false },
	{ "norm_fro", COL_REAL, offsetof(ls_metrics, norm_fro), false },
	{ "norm_nuc", COL_REAL, offsetof(ls_metrics, norm_nuc), false },
	{ "dist_star", COL_REAL, offsetof(ls_metrics, dist_star), false },
	{ "balance", COL_REAL, offsetof(ls_metrics, balance), false },
	{ "steps_per_sec", COL_REAL, offsetof(ls_metrics, steps_per_sec), true },
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])
#define TABLE_WIDTH 13

/* A real as text: %.12g, or nan/inf (null in JSON, which has no such numbers). */
static void fmt_real(char *buf, size_t len, double v, ls_out_format fmt)
{
	if (isfinite(v))
		snprintf(buf, len, "%.12g", v);
	else if (fmt == LS_OUT_JSONL)
		snprintf(buf, len, "null");
	else
		snprintf(buf, len, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

static void fmt_cell(char *buf, size_t len, const column *c, const ls_metrics *m,
		     ls_out_format fmt)
{
	const char *p = (const char *)m + c->offset;
	switch (c->type) {
	case COL_LONG:
		snprintf(buf, len, "%ld", *(const long *)p);
		break;
	case COL_SIZE:
		snprintf(buf, len, "%zu", *(const size_t *)p);
		break;
	case COL_REAL:
		if (fmt == LS_OUT_TABLE && isfinite(*(const double *)p))
			snprintf(buf, len, "%.6g", *(const double *)p);
		else
			fmt_real(buf, len, *(const double *)p, fmt);
		break;
	}
}

void ls_out_header(const ls_out *o, const ls_config *cfg)
{
	char buf[128];
	if (o->fmt == LS_OUT_JSONL) {
		fprintf(o->f, "{\"type\":\"config\",\"version\":\"%s\"", PACKAGE_VERSION);
		for (int i = 0; i < LS_PARAM_COUNT; i++) {
			ls_config_format(cfg, (ls_param_id)i, buf, sizeof buf);
			fprintf(o->f, ",\"%s\":\"%s\"", ls_params[i].name, buf);
		}
		fputs("}\n", o->f);
		return;
	}
	fprintf(o->f, "# lorascope %s run", PACKAGE_VERSION);
	for (int i = 0; i < LS_PARAM_COUNT; i++) {
		ls_config_format(cfg, (ls_param_id)i, buf, sizeof buf);
		fprintf(o->f, " --%s %s", ls_params[i].name, buf);
	}
	fputc('\n', o->f);
	bool first = true;
	for (size_t i = 0; i < NCOLUMNS; i++) {
		if (columns[i].timing && !o->timing)
			continue;
		if (o->fmt == LS_OUT_CSV)
			fprintf(o->f, "%s%s", first ? "" : ",", columns[i].name);
		else
			fprintf(o->f, "%s%*s", first ? "" : " ", TABLE_WIDTH, columns[i].name);
		first = false;
	}
	fputc('\n', o->f);
}

void ls_out_row(const ls_out *o, const ls_metrics *m)
{
	char buf[64];
	bool first = true;
	if (o->fmt == LS_OUT_JSONL)
		fputs("{\"type\":\"row\"", o->f);
	for (size_t i = 0; i < NCOLUMNS; i++) {
		if (columns[i].timing && !o->timing)
			continue;
		fmt_cell(buf, sizeof buf, &columns[i], m, o->fmt);
		if (o->fmt == LS_OUT_JSONL)
			fprintf(o->f, ",\"%s\":%s", columns[i].name, buf);
		else if (o->fmt == LS_OUT_CSV)
			fprintf(o->f, "%s%s", first ? "" : ",", buf);
		else
			fprintf(o->f, "%s%*s", first ? "" : " ", TABLE_WIDTH, buf);
		first = false;
	}
	fputs(o->fmt == LS_OUT_JSONL ? "}\n" : "\n", o->f);
}

/* One summary entry; text values are quoted in JSON, numbers are not. */
static void entry(const ls_out *o, bool *first, const char *key, const char *val, bool text)
{
	switch (o->fmt) {
	case LS_OUT_JSONL:
		fprintf(o->f, ",\"%s\":", key);
		if (text) {
			fputc('"', o->f);
			for (const char *c = val; *c; c++) {
				if (*c == '"' || *c == '\\')
					fputc('\\', o->f);
				if ((unsigned char)*c >= 0x20)
					fputc(*c, o->f);
			}
			fputc('"', o->f);
		} else {
			fputs(val, o->f);
		}
		break;
	case LS_OUT_CSV:
		fprintf(o->f, "# %s: %s\n", key, val);
		break;
	case LS_OUT_TABLE:
		fprintf(o->f, "%s%-16s %s\n", *first ? "\n" : "", key, val);
		break;
	}
	*first = false;
}

static void entry_real(const ls_out *o, bool *first, const char *key, double v)
{
	char buf[64];
	fmt_real(buf, sizeof buf, v, o->fmt);
	entry(o, first, key, buf, false);
}

static void entry_long(const ls_out *o, bool *first, const char *key, long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%ld", v);
	entry(o, first, key, buf, false);
}

void ls_out_summary(const ls_out *o, const ls_session *s)
{
	const ls_metrics *m = ls_session_metrics(s);
	const ls_baseline *b = ls_session_baseline(s);
	bool first = true;
	if (o->fmt == LS_OUT_JSONL)
		fputs("{\"type\":\"summary\"", o->f);
	entry_long(o, &first, "steps", ls_session_steps(s));
	entry_real(o, &first, "loss", m->loss);
	entry_real(o, &first, "reg_loss", m->reg_loss);
	entry_real(o, &first, "grad_norm", m->grad_norm);
	entry_long(o, &first, "rank", (long)m->num_rank);
	entry_long(o, &first, "r", (long)m->r);
	entry_real(o, &first, "norm_fro", m->norm_fro);
	entry_real(o, &first, "norm_nuc", m->norm_nuc);
	entry_real(o, &first, "balance", m->balance);
	if (b) {
		entry_long(o, &first, "rstar", (long)b->rstar);
		entry_real(o, &first, "dist_star", m->dist_star);
		entry_real(o, &first, "ratio", m->ratio);
		entry_real(o, &first, "f_star", b->f_star);
		entry_real(o, &first, "floor", b->floor);
		entry_real(o, &first, "nuc_star", b->nuc);
		entry(o, &first, "baseline",
		      b->certified   ? "certified"
		      : b->converged ? "converged"
		                     : "not-converged",
		      true);
		entry_long(o, &first, "baseline_iters", b->iters);
	} else {
		/* auto leaves large problems out (--baseline on computes them). */
		bool off = ls_session_config(s)->baseline == LS_BASELINE_OFF;
		entry(o, &first, "baseline", off ? "off" : "skipped", true);
	}
	if (m->mk_checks > 0) {
		entry_long(o, &first, "mk_checks", m->mk_checks);
		entry_long(o, &first, "mk_failures", m->mk_failures);
	}
	if (o->timing)
		entry_real(o, &first, "steps_per_sec", m->steps_per_sec);
	entry(o, &first, "diverged", m->diverged ? "true" : "false", false);
	if (m->diverged)
		entry(o, &first, "message", m->message, true);
	if (o->fmt == LS_OUT_JSONL)
		fputs("}\n", o->f);
}
