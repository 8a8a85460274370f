/* trace.h — traces: the rows of a run in a file that says how it was made, and its reader.
 *
 * A trace is CSV or JSON Lines (ls_trace_format_of_path picks by extension). Its first
 * lines carry every parameter, so a trace alone reproduces its run:
 *   CSV    "# lorascope VERSION", then "# NAME=VALUE" for every parameter of LS_PARAM_LIST
 *          (ls_config_format: reals round-trip exactly), "# run.NAME=VALUE" for the options
 *          of the run itself (steps, every, lesson, resume ...), the column names, the rows;
 *          events as comment lines "# KIND: [step N] TEXT" (newlines in TEXT as \n,
 *          backslashes as \\);
 *   JSONL  {"lorascope": VERSION, "params": {NAME: "VALUE", ...}, "run": {NAME: "VALUE"}},
 *          then one object a row {"type": "row", COLUMN: number or null, ...} and events
 *          {"type": "event", "kind": KIND, "step": N, "text": TEXT}; an event's step is
 *          the lesson clock for lesson events (the steps run since the lesson began).
 * Row values are written with %.17g (NaN and ±Inf as nan/inf in CSV, null in JSON), so a
 * trace read back gives the very doubles that were written. The row columns are
 * LS_TRACE_COLUMN_LIST (also the columns of `lorascope run`'s output). */
#ifndef LORASCOPE_TRACE_H
#define LORASCOPE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lorascope/config.h"
#include "lorascope/metrics.h"
#include "lorascope/status.h"

typedef enum { LS_TRACE_CSV, LS_TRACE_JSONL } ls_trace_format;

/* X(name, TYPE, ls_metrics field, timing, help); TYPE LONG, SIZE or REAL; timing columns
 * depend on the machine and are left out of reproducible output (--no-timing). */
#define LS_TRACE_COLUMN_LIST(X)                                                           \
	X("step", LONG, step, false, "steps taken")                                       \
	X("loss", REAL, loss, false, "f(X)")                                              \
	X("reg_loss", REAL, reg_loss, false, "g(A, B) = f + lambda/2 (|A|^2 + |B|^2)")    \
	X("grad_norm", REAL, grad_norm, false, "|grad g(A, B)|")                          \
	X("eta", REAL, eta, false, "step size of the last step")                          \
	X("rank", SIZE, num_rank, false, "numerical rank of X")                           \
	X("r", SIZE, r, false, "LoRA rank")                                               \
	X("rstar", SIZE, rstar, false, "rank of the baseline's X*")                       \
	X("ratio", REAL, ratio, false, "sigma_r / sigma_r* of X")                         \
	X("threshold", REAL, threshold, false, "2 alpha/beta the ratio is compared with") \
	X("norm_fro", REAL, norm_fro, false, "|X|_F")                                     \
	X("norm_nuc", REAL, norm_nuc, false, "|X|_*")                                     \
	X("dist_star", REAL, dist_star, false, "|X - X*|_F")                              \
	X("balance", REAL, balance, false, "|A^T A - B^T B|_F")                           \
	X("steps_per_sec", REAL, steps_per_sec, true, "training speed")

typedef enum { LS_TRACE_LONG, LS_TRACE_SIZE, LS_TRACE_REAL } ls_trace_col_type;

typedef struct {
	const char *name;
	ls_trace_col_type type;
	size_t offset; /* into ls_metrics */
	bool timing;
	const char *help;
} ls_trace_column;

extern const ls_trace_column ls_trace_columns[];
extern const size_t ls_trace_ncolumns;

/* The value of column c of m as a double (exact for the integer columns). */
double ls_trace_column_value(const ls_trace_column *c, const ls_metrics *m);

/* LS_TRACE_JSONL for names ending in .jsonl, .json or .ndjson, LS_TRACE_CSV for .csv;
 * false for anything else (the caller then decides). */
bool ls_trace_format_of_path(const char *path, ls_trace_format *fmt);

/* A run option recorded beside the parameters ("steps" = "500"). */
typedef struct {
	const char *name, *value;
} ls_trace_kv;

/* The parameter lines and (CSV) the column names; timing: include the timing columns. */
ls_status ls_trace_write_header(FILE *f, ls_trace_format fmt, const ls_config *cfg,
				const ls_trace_kv *run, size_t nrun, bool timing, ls_error *err);
/* One row: the state m. */
ls_status ls_trace_write_row(FILE *f, ls_trace_format fmt, const ls_metrics *m, bool timing,
			     ls_error *err);
/* One event (a lesson caption, a change ...) at step `step` (the lesson clock for lessons). */
ls_status ls_trace_write_event(FILE *f, ls_trace_format fmt, const char *kind, long step,
			       const char *text, ls_error *err);

/* The decimated history of a session (metrics.h) as a trace at path, written atomically:
 * the parameter header (run option "source" = "history", "stride"), then one row a point
 * with the columns step and LS_HISTORY_SERIES in its order (for the TUI's trace key;
 * ls_trace_read reads it like any trace). */
ls_status ls_trace_save_history(const char *path, ls_trace_format fmt, const ls_config *cfg,
				const ls_history *h, ls_error *err);

typedef struct {
	char *kind; /* "caption", "lesson", ... */
	long step;  /* the step it names (-1 when the line has none) */
	char *text; /* unescaped */
	size_t row; /* rows read before it */
} ls_trace_event;

/* A trace read back: how it was made and what it recorded. */
typedef struct {
	ls_trace_format format;
	char *version; /* "lorascope VERSION" of the writer */
	ls_config cfg; /* every parameter (the defaults for any the trace leaves out) */
	size_t nrun;
	ls_trace_kv *run; /* the run options, as written */
	size_t ncols;
	char **cols; /* column names */
	size_t nrows;
	double *data; /* nrows × ncols, row-major; NaN for nan / null */
	size_t nevents;
	ls_trace_event *events;
} ls_trace;

/* Read the trace at path (either format, told apart by its first byte). Errors name the
 * file and line: "FILE:LINE: message" (LS_EFORMAT; unknown parameters and values refused as
 * ls_config_set refuses them, rows of the wrong width, non-numbers). */
ls_status ls_trace_read(const char *path, ls_trace **out, ls_error *err);
void ls_trace_free(ls_trace *t);
/* Index of the column called name, or -1. */
long ls_trace_column_index(const ls_trace *t, const char *name);
/* The run option called name, or NULL. */
const char *ls_trace_run_option(const ls_trace *t, const char *name);

#endif
