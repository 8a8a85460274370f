/* watch_feed.h — the watch screen's refresh thread: it owns the run-directory model
 * (watch.h), waits on its inotify descriptor or the polling period, refreshes it (analysing
 * a big checkpoint takes about a second, so never on the UI thread) and hands each changed
 * state over as a snapshot, a deep copy the UI owns.
 *
 * No curses here. The UI polls ls_watch_feed_fd (readable when a snapshot or an error is
 * waiting) beside the keyboard, then takes the newest snapshot; older ones not taken are
 * freed by the thread. */
#ifndef LORASCOPE_TUI_WATCH_FEED_H
#define LORASCOPE_TUI_WATCH_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/status.h"
#include "lorascope/watch.h"

/* The model's state at one moment, copied (every string and array its own). */
typedef struct {
	char *dir;
	size_t nckpt, nmod;
	ls_watch_ckpt *ckpt; /* ascending; cells[j] for module j (drift_why static strings) */
	ls_watch_module *mod;
	char **mod_names;  /* the modules' names without their common prefix (pointers into mod) */
	long *curve_steps; /* the curves' steps, rounded (for the plots' x scale) */
	ls_watch_curves curves;
	size_t npending;
	char **pending, **pending_why; /* directory and the reason it is not complete yet */
	char *poll_reason;             /* NULL: inotify */
	double interval;
	double changed_at; /* ls_watch_feed_now() of the last refresh that changed something */
	unsigned long seq; /* 1, 2, …: one per snapshot */
} ls_watch_snap;

void ls_watch_snap_free(ls_watch_snap *s);

typedef struct ls_watch_feed ls_watch_feed;

/* Start the thread: it opens dir with o (ls_watch_open, the first analysis) and publishes
 * a snapshot, then one after every refresh that changed something. Errors: out of memory,
 * no thread or pipe. */
ls_status ls_watch_feed_start(ls_watch_feed **f, const char *dir, const ls_watch_opts *o,
			      ls_error *err);
/* Stop the thread (it finishes a refresh under way) and free everything. */
void ls_watch_feed_stop(ls_watch_feed *f);
/* A descriptor readable when something waits for ls_watch_feed_take. */
int ls_watch_feed_fd(const ls_watch_feed *f);
/* The newest snapshot not taken yet (the caller owns it; NULL when none). *failed is set
 * when the model failed: for good (*fatal, e.g. DIR cannot be opened, the thread ended) or
 * for one refresh (the thread goes on); its message in err. */
ls_watch_snap *ls_watch_feed_take(ls_watch_feed *f, bool *failed, bool *fatal, ls_error *err);
/* Since when (ls_watch_feed_now) the thread has been reading, or a negative value when it
 * is waiting. */
double ls_watch_feed_busy_since(ls_watch_feed *f);
/* A monotonic clock in seconds. */
double ls_watch_feed_now(void);

#endif
