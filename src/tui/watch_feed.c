/* watch_feed.c — the watch screen's refresh thread and its snapshots (see watch_feed.h). */
#include "watch_feed.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ls_watch_feed {
	pthread_t thread;
	pthread_mutex_t lock;
	int wake[2]; /* the thread writes a byte to wake[1] after publishing */
	int stop[2]; /* ls_watch_feed_stop writes to stop[1] */
	char *dir;
	ls_watch_opts opts;
	/* Under lock: the newest snapshot not taken, the last error, whether it ended the
	 * thread, when the current refresh began (negative: none under way). */
	ls_watch_snap *ready;
	bool failed, fatal;
	ls_error err;
	double busy_since;
	unsigned long seq;
};

double ls_watch_feed_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static char *dup_or_null(const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

static double *dup_doubles(const double *v, size_t n, bool *ok)
{
	if (!n || !v)
		return NULL;
	double *d = malloc(n * sizeof *d);
	if (!d) {
		*ok = false;
		return NULL;
	}
	memcpy(d, v, n * sizeof *d);
	return d;
}

void ls_watch_snap_free(ls_watch_snap *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->ckpt && i < s->nckpt; i++) {
		ls_watch_ckpt *c = &s->ckpt[i];
		for (size_t j = 0; c->cells && j < s->nmod; j++) {
			free(c->cells[j].sigma);
			free(c->cells[j].angles);
		}
		free(c->cells);
		free(c->name);
		free(c->path);
	}
	free(s->ckpt);
	for (size_t j = 0; s->mod && j < s->nmod; j++)
		free(s->mod[j].name);
	free(s->mod);
	free(s->mod_names);
	free(s->curve_steps);
	ls_watch_curves *cv = &s->curves;
	free(cv->step);
	free(cv->epoch);
	free(cv->loss);
	free(cv->eval_loss);
	free(cv->grad_norm);
	free(cv->learning_rate);
	free(cv->source);
	for (size_t i = 0; i < s->npending; i++) {
		free(s->pending[i]);
		free(s->pending_why[i]);
	}
	free(s->pending);
	free(s->pending_why);
	free(s->poll_reason);
	free(s->dir);
	free(s);
}

/* Length of the longest common prefix of the names that ends with a '.' (0 with fewer
 * than two), as ls_adapter_name_prefix. */
static size_t name_prefix(const ls_watch_module *m, size_t n)
{
	if (n < 2)
		return 0;
	size_t p = strlen(m[0].name);
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;
		while (k < p && m[i].name[k] == m[0].name[k])
			k++;
		p = k;
	}
	while (p && m[0].name[p - 1] != '.')
		p--;
	return p;
}

static bool copy_cells(ls_watch_ckpt *d, const ls_watch_ckpt *c, size_t nmod)
{
	bool ok = true;
	d->cells = calloc(nmod ? nmod : 1, sizeof *d->cells);
	if (!d->cells)
		return false;
	for (size_t j = 0; j < nmod; j++) {
		d->cells[j] = c->cells[j];
		d->cells[j].sigma = dup_doubles(c->cells[j].sigma, c->cells[j].k, &ok);
		d->cells[j].angles = dup_doubles(c->cells[j].angles, c->cells[j].nangles, &ok);
	}
	return ok;
}

static ls_watch_snap *snap_take(const ls_watch *w)
{
	ls_watch_snap *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	bool ok = true;
	s->dir = dup_or_null(ls_watch_dir(w), &ok);
	s->poll_reason = dup_or_null(ls_watch_poll_reason(w), &ok);
	s->interval = ls_watch_interval(w);
	size_t nm = ls_watch_nmod(w), nc = ls_watch_nckpt(w);
	s->mod = calloc(nm ? nm : 1, sizeof *s->mod);
	s->mod_names = calloc(nm ? nm : 1, sizeof *s->mod_names);
	s->ckpt = calloc(nc ? nc : 1, sizeof *s->ckpt);
	if (!s->mod || !s->mod_names || !s->ckpt) {
		ls_watch_snap_free(s);
		return NULL;
	}
	for (; s->nmod < nm && ok; s->nmod++) {
		s->mod[s->nmod] = *ls_watch_module_at(w, s->nmod);
		s->mod[s->nmod].name = dup_or_null(s->mod[s->nmod].name, &ok);
	}
	size_t pre = name_prefix(s->mod, s->nmod);
	for (size_t j = 0; j < s->nmod && ok; j++)
		s->mod_names[j] = s->mod[j].name + pre;
	for (; s->nckpt < nc && ok; s->nckpt++) {
		const ls_watch_ckpt *c = ls_watch_ckpt_at(w, s->nckpt);
		ls_watch_ckpt *d = &s->ckpt[s->nckpt];
		*d = *c;
		d->cells = NULL;
		d->name = dup_or_null(c->name, &ok);
		d->path = dup_or_null(c->path, &ok);
		ok = ok && copy_cells(d, c, nm);
	}
	const ls_watch_curves *cv = ls_watch_curves_get(w);
	if (cv && ok) {
		size_t n = cv->n;
		s->curves.n = n;
		s->curves.step = dup_doubles(cv->step, n, &ok);
		s->curves.epoch = dup_doubles(cv->epoch, n, &ok);
		s->curves.loss = dup_doubles(cv->loss, n, &ok);
		s->curves.eval_loss = dup_doubles(cv->eval_loss, n, &ok);
		s->curves.grad_norm = dup_doubles(cv->grad_norm, n, &ok);
		s->curves.learning_rate = dup_doubles(cv->learning_rate, n, &ok);
		s->curves.source = dup_or_null(cv->source, &ok);
		s->curve_steps = n ? malloc(n * sizeof *s->curve_steps) : NULL;
		if (n && !s->curve_steps)
			ok = false;
		/* Steps never decrease along the plots' x axis (log_history is in order). */
		for (size_t i = 0; ok && i < n; i++) {
			double v = isfinite(cv->step[i]) ? cv->step[i] : 0;
			s->curve_steps[i] = (long)llround(v);
			if (i && s->curve_steps[i] < s->curve_steps[i - 1])
				s->curve_steps[i] = s->curve_steps[i - 1];
		}
	}
	size_t np = ls_watch_npending(w);
	s->pending = calloc(np ? np : 1, sizeof *s->pending);
	s->pending_why = calloc(np ? np : 1, sizeof *s->pending_why);
	if (!s->pending || !s->pending_why)
		ok = false;
	for (; ok && s->npending < np; s->npending++) {
		const char *why = NULL;
		const char *p = ls_watch_pending_at(w, s->npending, &why);
		s->pending[s->npending] = dup_or_null(p ? p : "?", &ok);
		s->pending_why[s->npending] = dup_or_null(why ? why : "incomplete", &ok);
	}
	if (!ok) {
		ls_watch_snap_free(s);
		return NULL;
	}
	return s;
}

static void wake(ls_watch_feed *f)
{
	char b = 1;
	ssize_t r = write(f->wake[1], &b, 1);
	(void)r; /* a full pipe already wakes the UI */
}

/* Hand s over (replacing one not taken), or an error. */
static void publish(ls_watch_feed *f, ls_watch_snap *s, const ls_error *e, bool fatal)
{
	pthread_mutex_lock(&f->lock);
	if (s) {
		s->seq = ++f->seq;
		ls_watch_snap_free(f->ready);
		f->ready = s;
	}
	if (e) {
		f->failed = true;
		f->fatal = fatal;
		f->err = *e;
	}
	pthread_mutex_unlock(&f->lock);
	wake(f);
}

static void set_busy(ls_watch_feed *f, double since)
{
	pthread_mutex_lock(&f->lock);
	f->busy_since = since;
	pthread_mutex_unlock(&f->lock);
}

static void publish_state(ls_watch_feed *f, const ls_watch *w, double changed_at)
{
	ls_watch_snap *s = snap_take(w);
	ls_error e;
	if (!s) {
		ls_error_set(&e, LS_ENOMEM, "out of memory copying the model");
		publish(f, NULL, &e, false);
		return;
	}
	s->changed_at = changed_at;
	publish(f, s, NULL, false);
}

static void *feed_main(void *arg)
{
	ls_watch_feed *f = arg;
	ls_watch *w = NULL;
	ls_error e;
	ls_error_clear(&e);
	set_busy(f, ls_watch_feed_now());
	ls_status st = ls_watch_open(&w, f->dir, &f->opts, &e);
	set_busy(f, -1);
	if (st != LS_OK) {
		publish(f, NULL, &e, true);
		return NULL;
	}
	publish_state(f, w, ls_watch_feed_now());
	for (;;) {
		struct pollfd pf[2] = { { f->stop[0], POLLIN, 0 }, { ls_watch_fd(w), POLLIN, 0 } };
		int wait_ms = (int)lround(ls_watch_interval(w) * 1000);
		int pr = poll(pf, pf[1].fd >= 0 ? 2 : 1, wait_ms > 0 ? wait_ms : 1000);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr > 0 && pf[0].revents)
			break;
		unsigned changed = 0;
		double t0 = ls_watch_feed_now();
		set_busy(f, t0);
		st = ls_watch_refresh(w, &changed, &e);
		set_busy(f, -1);
		if (st != LS_OK)
			publish(f, NULL, &e, false);
		else if (changed)
			publish_state(f, w, ls_watch_feed_now());
	}
	ls_watch_free(w);
	return NULL;
}

static void close_pipe(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

ls_status ls_watch_feed_start(ls_watch_feed **out, const char *dir, const ls_watch_opts *o,
			      ls_error *err)
{
	*out = NULL;
	ls_watch_feed *f = calloc(1, sizeof *f);
	if (!f)
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	f->wake[0] = f->wake[1] = f->stop[0] = f->stop[1] = -1;
	f->busy_since = -1;
	f->opts = *o;
	f->dir = strdup(dir);
	if (!f->dir || pipe(f->wake) != 0 || pipe(f->stop) != 0) {
		close_pipe(f->wake);
		close_pipe(f->stop);
		free(f->dir);
		free(f);
		return ls_error_set(err, LS_ENOMEM, "cannot make the refresh thread's pipes");
	}
	fcntl(f->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(f->wake[1], F_SETFL, O_NONBLOCK);
	pthread_mutex_init(&f->lock, NULL);
	if (pthread_create(&f->thread, NULL, feed_main, f) != 0) {
		pthread_mutex_destroy(&f->lock);
		close_pipe(f->wake);
		close_pipe(f->stop);
		free(f->dir);
		free(f);
		return ls_error_set(err, LS_ENOMEM, "cannot start the refresh thread");
	}
	*out = f;
	return LS_OK;
}

void ls_watch_feed_stop(ls_watch_feed *f)
{
	if (!f)
		return;
	char b = 1;
	ssize_t r = write(f->stop[1], &b, 1);
	(void)r; /* the thread ends at its next poll either way: the pipe is empty and open */
	pthread_join(f->thread, NULL);
	pthread_mutex_destroy(&f->lock);
	ls_watch_snap_free(f->ready);
	close_pipe(f->wake);
	close_pipe(f->stop);
	free(f->dir);
	free(f);
}

int ls_watch_feed_fd(const ls_watch_feed *f)
{
	return f->wake[0];
}

ls_watch_snap *ls_watch_feed_take(ls_watch_feed *f, bool *failed, bool *fatal, ls_error *err)
{
	char buf[64];
	while (read(f->wake[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&f->lock);
	ls_watch_snap *s = f->ready;
	f->ready = NULL;
	*failed = f->failed;
	*fatal = f->fatal;
	if (f->failed)
		*err = f->err;
	f->failed = false;
	pthread_mutex_unlock(&f->lock);
	return s;
}

double ls_watch_feed_busy_since(ls_watch_feed *f)
{
	pthread_mutex_lock(&f->lock);
	double t = f->busy_since;
	pthread_mutex_unlock(&f->lock);
	return t;
}
