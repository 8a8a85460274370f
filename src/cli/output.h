/* output.h — rows and summaries of a headless run as an aligned table, CSV or JSON Lines. */
#ifndef LORASCOPE_CLI_OUTPUT_H
#define LORASCOPE_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "lorascope/session.h"

typedef enum { LS_OUT_TABLE, LS_OUT_CSV, LS_OUT_JSONL } ls_out_format;

extern const char *const ls_out_format_names[]; /* NULL-terminated, indexed by ls_out_format */

typedef struct {
	FILE *f;
	ls_out_format fmt;
	bool timing; /* print steps/s (false: output depends only on the inputs) */
} ls_out;

/* The parameters of the run (a reproducing command line, or a JSON "config" object), the
 * problem's own shape (presets ignore --m, --n), then the column header (LS_TRACE_COLUMN_LIST). */
void ls_out_header(const ls_out *o, const ls_session *s);
/* One row: the state described by m. */
void ls_out_row(const ls_out *o, const ls_metrics *m);
/* An event at session step `step` (a lesson caption, a change): "# KIND: [step N] TEXT" in
 * CSV (newlines as \n), {"type":"event",...} in JSONL, "KIND [step N] TEXT" in the table. */
void ls_out_event(const ls_out *o, const char *kind, long step, const char *text);
/* The final summary of s (final losses, r, r*, ‖X − X*‖, floor, steps/s, divergence), then
 * the theory report rep (every ls_theory_fields entry) or, without one, theory_msg (why). */
void ls_out_summary(const ls_out *o, const ls_session *s, const ls_theory_report *rep,
		    const char *theory_msg);
/* The same summary as a table for people (summary_table.c): groups training, baseline,
 * theory and verdict, the keys of the CSV/JSONL summary each followed by its value, a few
 * words on what it is and the status of theory numbers (exact, certain, estimated); a number
 * not defined reads "n/a (reason)". Steps/s only with timing. */
void ls_out_summary_table(FILE *f, const ls_session *s, const ls_theory_report *rep,
			  const char *theory_msg, bool timing);

/* Rows of named columns for other commands (watch): the same three formats. A column's
 * value is text: TEXT quoted in CSV when needed and as a JSON string, NUM as is (a number,
 * or null in JSON), JSON as is in JSONL (an array) and as text elsewhere. */
typedef enum { LS_COL_TEXT, LS_COL_NUM, LS_COL_JSON } ls_col_kind;
typedef struct {
	const char *name;
	ls_col_kind kind;
	int width; /* table: the column's width; negative: left-aligned */
} ls_out_col;

/* The column names: a table's header line, CSV's first line; nothing in JSONL. */
void ls_out_cols_header(const ls_out *o, const ls_out_col *cols, size_t n);
/* One row of n values; JSONL: {"type":type, name: value, ...}. */
void ls_out_cols_row(const ls_out *o, const char *type, const ls_out_col *cols, size_t n,
		     const char *const *vals);
/* A real for a NUM column: %.6g in the table (n/a for NaN); %.17g (exact) in CSV (nan, inf)
 * and JSONL (null for NaN and ±Inf). */
void ls_out_real(char *buf, size_t len, double v, ls_out_format fmt);

#endif
