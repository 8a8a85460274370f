/* stats.h — the TUI's --stats report: frame draw times, key-to-visible-change latencies
 * (until the first frame that shows the key's effect is written to the terminal: the frame
 * after the key for a view key or a command whose change is shown ahead (ahead.h), else the
 * first frame whose view has the worker's result) and key-to-applied latencies (the first
 * frame whose view has the worker having applied the command), summarised as percentiles in
 * a small text file on exit (no curses, no clock: times come in as seconds). */
#ifndef LORASCOPE_TUI_STATS_H
#define LORASCOPE_TUI_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define LS_STATS_MAX 100000
#define LS_STATS_WAIT_MAX 64 /* keys waiting for their frame at once */

typedef struct {
	double *frame, *key, *applied; /* seconds */
	size_t nframe, nkey, napplied;
	double first; /* seconds from the start to the end of the first frame (NaN: none) */
	double ready; /* ... of the first frame with the session in it (NaN: none) */
} ls_stats;

/* The keys waiting for the frame that times them: key time, the command pushed (seq 0:
 * none), whether its change is shown ahead, whether its visible change is timed already. */
typedef struct {
	int n;
	double t[LS_STATS_WAIT_MAX];
	unsigned long seq[LS_STATS_WAIT_MAX];
	bool ahead[LS_STATS_WAIT_MAX], keyed[LS_STATS_WAIT_MAX];
} ls_stats_wait;

/* Allocate the sample arrays (on failure recording is silently off). */
void ls_stats_init(ls_stats *s);
void ls_stats_free(ls_stats *s);
void ls_stats_frame(ls_stats *s, double seconds);
void ls_stats_key(ls_stats *s, double seconds);
void ls_stats_applied(ls_stats *s, double seconds);
/* A key read at time t that needs a frame; seq the command it pushed (0: none), ahead whether
 * that command's change is shown before the worker applies it. Beyond LS_STATS_WAIT_MAX
 * waiting keys, untimed. */
void ls_stats_wait_key(ls_stats_wait *w, double t, unsigned long seq, bool ahead);
/* Whether a command waiting is applied in a view whose applied_seq is applied (its frame is
 * due at once). */
bool ls_stats_wait_acked(const ls_stats_wait *w, unsigned long applied);
/* A frame was written at time t from a view with applied_seq applied: time the keys it shows
 * (keys: every key not timed yet but a command neither applied nor shown ahead; applied:
 * the commands applied) and drop those done. */
void ls_stats_wait_frame(ls_stats *s, ls_stats_wait *w, double t, unsigned long applied);
/* A frame was done this long after the program started; ready: with the session in it (not
 * the screen saying it is being made). The first of each is kept. */
void ls_stats_first(ls_stats *s, double seconds, bool ready);
/* The q-quantile (0..1, nearest rank) of x[0..n), sorting x; NaN when n = 0. */
double ls_stats_quantile(double *x, size_t n, double q);
/* Write "frames N ms p50 X p95 Y max Z", "keys …", "applied …", "first-frame ms X" and
 * "ready-frame ms X" (X nan when no such frame was drawn) lines to path; 0 on success. */
int ls_stats_write(ls_stats *s, const char *path, int cols, int lines);

#endif
