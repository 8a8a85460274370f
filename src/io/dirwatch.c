/* dirwatch.c — how the run-directory model learns of changes: inotify on DIR (entries created,
 * moved in or out, deleted, files closed after writing) and on each checkpoint directory,
 * or polling when inotify cannot be had, DIR is on a network or FUSE file system (whose
 * changes made on other machines inotify does not see), or --poll asks for it. The events
 * only wake the caller: every refresh rescans, so nothing depends on their contents. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "watch_priv.h"

/* statfs f_type of the file systems polled (linux/magic.h and the kernel's cifs/fuse). */
static const struct {
	unsigned long magic;
	const char *name;
} remote_fs[] = {
	{ 0x6969, "NFS" },      { 0x517B, "SMB" },      { 0xFF534D42, "CIFS" },
	{ 0xFE534D42, "SMB2" }, { 0x65735546, "FUSE" }, { 0x01021997, "9P" },
};

#define DIR_EVENTS                                                                          \
	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB | \
	 IN_DELETE_SELF | IN_MOVE_SELF)

void ls_watch_notify_init(ls_watch *w)
{
	w->fd = -1;
	if (w->opts.poll) {
		snprintf(w->poll_why, sizeof w->poll_why, "--poll");
		return;
	}
	struct statfs sf;
	if (statfs(w->dir, &sf) == 0)
		for (size_t i = 0; i < sizeof remote_fs / sizeof remote_fs[0]; i++)
			if ((unsigned long)sf.f_type == remote_fs[i].magic) {
				snprintf(w->poll_why, sizeof w->poll_why, "%s file system",
					 remote_fs[i].name);
				return;
			}
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, w->dir, DIR_EVENTS) < 0) {
		snprintf(w->poll_why, sizeof w->poll_why, "inotify: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	w->fd = fd;
}

void ls_watch_dir_add(ls_watch *w, const char *path)
{
	/* A failure (the directory just went, the watch limit) leaves polling at the
	 * caller's period to notice. */
	if (w->fd >= 0)
		(void)inotify_add_watch(w->fd, path, DIR_EVENTS);
}

void ls_watch_drain(ls_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (w->fd >= 0 && read(w->fd, buf, sizeof buf) > 0)
		;
}

void ls_watch_notify_close(ls_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

int ls_watch_fd(const ls_watch *w)
{
	return w->fd;
}

double ls_watch_interval(const ls_watch *w)
{
	return w->opts.interval > 0 ? w->opts.interval : 1.0;
}

const char *ls_watch_poll_reason(const ls_watch *w)
{
	return w->fd >= 0 ? NULL : w->poll_why;
}
