/* stats.h — the TUI's --stats report: frame draw times, key-to-visible-change latencies
 * (the first frame that shows the key's effect or echo) and key-to-applied latencies (the
 * first frame whose status reflects the worker having applied the command), summarised as
 * percentiles in a small text file on exit (no curses). */
#ifndef LORASCOPE_TUI_STATS_H
#define LORASCOPE_TUI_STATS_H

#include <stddef.h>

#define LS_STATS_MAX 100000

typedef struct {
	double *frame, *key, *applied; /* seconds */
	size_t nframe, nkey, napplied;
	double first; /* seconds from the start to the end of the first frame (NaN: none) */
} ls_stats;

/* Allocate the sample arrays (on failure recording is silently off). */
void ls_stats_init(ls_stats *s);
void ls_stats_free(ls_stats *s);
void ls_stats_frame(ls_stats *s, double seconds);
void ls_stats_key(ls_stats *s, double seconds);
void ls_stats_applied(ls_stats *s, double seconds);
/* The first frame was done this long after the program started (later calls: ignored). */
void ls_stats_first(ls_stats *s, double seconds);
/* The q-quantile (0..1, nearest rank) of x[0..n), sorting x; NaN when n = 0. */
double ls_stats_quantile(double *x, size_t n, double q);
/* Write "frames N ms p50 X p95 Y max Z", "keys …", "applied …" and "first-frame ms X"
 * (X nan when no frame was drawn) lines to path; 0 on success. */
int ls_stats_write(ls_stats *s, const char *path, int cols, int lines);

#endif
