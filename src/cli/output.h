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

#endif
