/* watch_priv.h — the state of the run-directory model (watch.c) and the change notification
 * it shares with dirwatch.c. Not a public header. */
#ifndef LORASCOPE_WATCH_PRIV_H
#define LORASCOPE_WATCH_PRIV_H

#include <sys/stat.h>

#include "lorascope/adapter.h"
#include "lorascope/watch.h"

/* How a directory's files looked: a pending checkpoint is tried again when this changes. */
typedef struct {
	bool valid;
	unsigned long long files, bytes;
	long long mtime; /* the newest, in ns */
} ls_watch_sig;

/* A checkpoint directory not complete yet. */
typedef struct {
	char *name, *path;
	char *why;          /* the loader's message of the last try, NULL before one */
	ls_watch_sig tried; /* the files at the last try */
} ls_watch_pending;

struct ls_watch {
	char *dir;
	ls_watch_opts opts;
	ls_watch_ckpt *ck; /* analysed, natural order */
	bool *stale;       /* per checkpoint: its drift needs computing again */
	size_t nck;
	unsigned long seq;
	ls_watch_module *mods; /* natural order */
	size_t nmod;
	ls_watch_pending *pend; /* natural order */
	size_t npend;
	/* The one checkpoint kept with its bases (the newest, or the last reference read). */
	ls_adapter ref;
	char *ref_path;
	ls_watch_curves curves;
	struct stat curves_st; /* of curves.source when read */
	char curves_why[LS_ERROR_MSG_MAX];
	/* dirwatch.c */
	int fd; /* inotify, or -1 when polling */
	char poll_why[128];
};

/* watch_analyse.c: N of "checkpoint-N" or -1; free an analysed checkpoint; drop the modules
 * no checkpoint has (true when some went); insert the loaded adapter ad (with bases) as the
 * checkpoint *name at *path (both moved into the model), its cells and drift computed and
 * the next checkpoint's drift marked stale; remove checkpoint i (the next one's drift marked
 * stale); compute the stale drifts again. */
long ls_watch_checkpoint_step(const char *name);
void ls_watch_ckpt_free(ls_watch_ckpt *k, size_t nmod);
bool ls_watch_prune_modules(ls_watch *w);
ls_status ls_watch_add_checkpoint(ls_watch *w, char **name, char **path, ls_adapter *ad,
				  unsigned *changed, ls_error *err);
void ls_watch_remove_checkpoint(ls_watch *w, size_t i);
ls_status ls_watch_redo_stale(ls_watch *w, unsigned *changed, ls_error *err);

/* dirwatch.c: inotify on w->dir (or the reason to poll), a watch on a checkpoint directory,
 * reading the queued events away, closing. */
void ls_watch_notify_init(ls_watch *w);
void ls_watch_dir_add(ls_watch *w, const char *path);
void ls_watch_drain(ls_watch *w);
void ls_watch_notify_close(ls_watch *w);

#endif
