/* output.c — the three output formats of `lorascope run`, driven by one column table. */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "lorascope/optim_kinds.h"
#include "lorascope/theory.h"
#include "lorascope/trace.h"
#include "output.h"

const char *const ls_out_format_names[] = { "table", "csv", "jsonl", NULL };

/* The row columns are the trace columns (trace.h), in that order. */
typedef ls_trace_column column;
#define columns ls_trace_columns
#define NCOLUMNS ls_trace_ncolumns
#define TABLE_WIDTH 13

/* A real as text: %.12g, or nan/inf (null in JSON, which has no such numbers; n/a in the
 * table, which people read). */
static void fmt_real(char *buf, size_t len, double v, ls_out_format fmt)
{
	if (isfinite(v))
		snprintf(buf, len, "%.12g", v);
	else if (fmt == LS_OUT_JSONL)
		snprintf(buf, len, "null");
	else if (fmt == LS_OUT_TABLE && isnan(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

static void fmt_cell(char *buf, size_t len, const column *c, const ls_metrics *m, ls_out_format fmt)
{
	const char *p = (const char *)m + c->offset;
	switch (c->type) {
	case LS_TRACE_LONG:
		snprintf(buf, len, "%ld", *(const long *)p);
		break;
	case LS_TRACE_SIZE:
		snprintf(buf, len, "%zu", *(const size_t *)p);
		break;
	case LS_TRACE_REAL:
		if (fmt == LS_OUT_TABLE && isfinite(*(const double *)p))
			snprintf(buf, len, "%.6g", *(const double *)p);
		else
			fmt_real(buf, len, *(const double *)p, fmt);
		break;
	}
}

/* "5x5" or "64x64+64x32": the problem's own module shapes (presets ignore --m, --n). */
static void fmt_shape(char *buf, size_t len, const ls_problem *p)
{
	size_t used = 0;
	for (size_t k = 0; k < p->nmod && used < len; k++)
		used += (size_t)snprintf(buf + used, len - used, "%s%zux%zu", k ? "+" : "",
					 p->shape[k].m, p->shape[k].n);
}

void ls_out_header(const ls_out *o, const ls_session *s)
{
	const ls_config *cfg = ls_session_config(s);
	const ls_problem *p = ls_session_problem(s);
	char buf[LS_PARAM_VALUE_MAX], shape[96];
	fmt_shape(shape, sizeof shape, p);
	if (o->fmt == LS_OUT_JSONL) {
		fprintf(o->f, "{\"type\":\"config\",\"version\":\"%s\"", PACKAGE_VERSION);
		for (int i = 0; i < LS_PARAM_COUNT; i++) {
			ls_config_format(cfg, (ls_param_id)i, buf, sizeof buf);
			fprintf(o->f, ",\"%s\":\"", ls_params[i].name);
			for (const char *c = buf; *c; c++) { /* file names: '"' and '\\' escaped */
				if (*c == '"' || *c == '\\')
					fputc('\\', o->f);
				fputc(*c, o->f);
			}
			fputc('"', o->f);
		}
		fprintf(o->f, ",\"shape\":\"%s\",\"start_step\":%ld}\n", shape,
			ls_session_steps(s));
		return;
	}
	fprintf(o->f, "# lorascope %s run", PACKAGE_VERSION);
	for (int i = 0; i < LS_PARAM_COUNT; i++) {
		ls_config_format(cfg, (ls_param_id)i, buf, sizeof buf);
		if (ls_params[i].type == LS_P_TEXT && !buf[0])
			continue; /* a file not given */
		fprintf(o->f, " --%s %s", ls_params[i].name, buf);
	}
	fputc('\n', o->f);
	fprintf(o->f, "# problem %s: %s (%zu module%s), r = %zu\n", p->type->name, shape, p->nmod,
		p->nmod == 1 ? "" : "s", ls_session_lora(s)->r);
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

/* One theory field: a number, or a name (regimes, verdicts, statuses as their names). */
static void theory_entry(const ls_out *o, bool *first, const ls_theory_field *f)
{
	if (f->is_text)
		entry(o, first, f->name, f->text, true);
	else
		entry_real(o, first, f->name, f->value);
}

void ls_out_event(const ls_out *o, const char *kind, long step, const char *text)
{
	switch (o->fmt) {
	case LS_OUT_JSONL:
		fprintf(o->f, "{\"type\":\"event\",\"kind\":\"%s\",\"step\":%ld,\"text\":\"", kind,
			step);
		for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
			if (*c == '"' || *c == '\\')
				fprintf(o->f, "\\%c", *c);
			else if (*c == '\n')
				fputs("\\n", o->f);
			else if (*c >= 0x20)
				fputc(*c, o->f);
		}
		fputs("\"}\n", o->f);
		break;
	case LS_OUT_CSV:
		fprintf(o->f, "# %s: [step %ld] ", kind, step);
		for (const char *c = text; *c; c++) {
			if (*c == '\n')
				fputs("\\n", o->f);
			else if (*c == '\\')
				fputs("\\\\", o->f);
			else
				fputc(*c, o->f);
		}
		fputc('\n', o->f);
		break;
	case LS_OUT_TABLE:
		fprintf(o->f, "%s [step %ld] ", kind, step);
		for (const char *c = text; *c; c++) {
			fputc(*c, o->f);
			if (*c == '\n')
				fputs("    ", o->f);
		}
		fputc('\n', o->f);
		break;
	}
}

void ls_out_summary(const ls_out *o, const ls_session *s, const ls_theory_report *rep,
		    const char *theory_msg)
{
	const ls_metrics *m = ls_session_metrics(s);
	const ls_baseline *b = ls_session_baseline(s);
	bool first = true;
	if (o->fmt == LS_OUT_TABLE) {
		ls_out_summary_table(o->f, s, rep, theory_msg, o->timing);
		return;
	}
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
	if (rep) {
		ls_theory_field fields[LS_THEORY_MAX_FIELDS];
		size_t nf = ls_theory_fields(rep, fields, LS_THEORY_MAX_FIELDS);
		for (size_t i = 0; i < nf; i++) {
			/* One module: r* and the ratio are already in the summary above. */
			if (strcmp(fields[i].name, "rstar") == 0 ||
			    strcmp(fields[i].name, "ratio") == 0)
				continue;
			theory_entry(o, &first, &fields[i]);
		}
	} else if (theory_msg) {
		entry(o, &first, "theory", theory_msg, true);
	}
	/* The verdict judges F = f + λ|X|_*, whose stationary points AdamW's decoupled decay
	 * does not seek (MATH.md §2): say so beside a "not stationary yet" that would not end. */
	if (ls_session_config(s)->optimizer == LS_OPTIM_ADAMW && rep)
		entry(o, &first, "optimizer_note",
		      "adamw decays A, B apart from the gradient: it does not minimise "
		      "f + lambda*|X|_*, so the verdict need not reach stationary",
		      true);
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

void ls_out_real(char *buf, size_t len, double v, ls_out_format fmt)
{
	if (isfinite(v))
		snprintf(buf, len, fmt == LS_OUT_TABLE ? "%.6g" : "%.17g", v);
	else
		fmt_real(buf, len, v, fmt);
}

static void csv_text(FILE *f, const char *v)
{
	if (!strpbrk(v, ",\"\n\r")) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (const char *c = v; *c; c++) {
		if (*c == '"')
			fputc('"', f);
		fputc(*c, f);
	}
	fputc('"', f);
}

static void json_text(FILE *f, const char *v)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

void ls_out_cols_header(const ls_out *o, const ls_out_col *cols, size_t n)
{
	if (o->fmt == LS_OUT_JSONL)
		return;
	for (size_t i = 0; i < n; i++) {
		if (o->fmt == LS_OUT_CSV)
			fprintf(o->f, "%s%s", i ? "," : "", cols[i].name);
		else if (i + 1 == n && cols[i].width < 0)
			fprintf(o->f, "%s%s", i ? " " : "", cols[i].name);
		else
			fprintf(o->f, "%s%*s", i ? " " : "", cols[i].width, cols[i].name);
	}
	fputc('\n', o->f);
}

void ls_out_cols_row(const ls_out *o, const char *type, const ls_out_col *cols, size_t n,
		     const char *const *vals)
{
	if (o->fmt == LS_OUT_JSONL)
		fprintf(o->f, "{\"type\":\"%s\"", type);
	for (size_t i = 0; i < n; i++) {
		switch (o->fmt) {
		case LS_OUT_JSONL:
			fprintf(o->f, ",\"%s\":", cols[i].name);
			if (cols[i].kind == LS_COL_TEXT)
				json_text(o->f, vals[i]);
			else
				fputs(vals[i], o->f);
			break;
		case LS_OUT_CSV:
			if (i)
				fputc(',', o->f);
			csv_text(o->f, vals[i]);
			break;
		case LS_OUT_TABLE:
			if (i + 1 == n && cols[i].width < 0)
				fprintf(o->f, "%s%s", i ? " " : "", vals[i]);
			else
				fprintf(o->f, "%s%*s", i ? " " : "", cols[i].width, vals[i]);
			break;
		}
	}
	fputs(o->fmt == LS_OUT_JSONL ? "}\n" : "\n", o->f);
}
