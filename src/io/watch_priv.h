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

/* dirwatch.c: inotify on w->dir (or the reason to poll), a watch on a checkpoint directory,
 * reading the queued events away, closing. */
void ls_watch_notify_init(ls_watch *w);
void ls_watch_dir_add(ls_watch *w, const char *path);
void ls_watch_drain(ls_watch *w);
void ls_watch_notify_close(ls_watch *w);

#endif
