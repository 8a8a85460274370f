/* watch.c — the run-directory model of `lorascope watch` (watch.h): the checkpoints of DIR
 * found at each refresh, pending until they load (ls_adapter_load with bases), dropped when
 * gone; the curves of the newest trainer_state.json; the accessors. What an analysed
 * checkpoint holds (cells, module union, drift) is watch_analyse.c's; change notification
 * (inotify or polling) is dirwatch.c's. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lorascope/adapter.h"
#include "lorascope/fileio.h"
#include "watch_priv.h"

#define STATE_FILE "trainer_state.json"
#define STATE_MAX_BYTES ((size_t)256 << 20)

static char *join(const char *dir, const char *file)
{
	size_t a = strlen(dir), b = strlen(file);
	char *p = malloc(a + b + 2);
	if (p) {
		memcpy(p, dir, a);
		p[a] = '/';
		memcpy(p + a + 1, file, b + 1);
	}
	return p;
}

static bool is_file(const char *dir, const char *name)
{
	char *p = join(dir, name);
	struct stat st;
	bool ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return ok;
}

/* A directory is an adapter when it holds the weights or the config. */
static bool is_adapter(const char *dir)
{
	return is_file(dir, "adapter_model.safetensors") || is_file(dir, "adapter_model.bin") ||
	       is_file(dir, "adapter_config.json");
}

/* ---- the candidates of one scan ---- */

typedef struct {
	char *name, *path;
} candidate;

static int candidate_cmp(const void *x, const void *y)
{
	return ls_adapter_natural_cmp(((const candidate *)x)->name, ((const candidate *)y)->name);
}

static void candidates_free(candidate *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].path);
	}
	free(c);
}

/* The checkpoints DIR holds now, in natural order. */
static ls_status scan(ls_watch *w, candidate **out, size_t *count, ls_error *err)
{
	*out = NULL;
	*count = 0;
	struct stat st;
	if (stat(w->dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return ls_error_set(err, LS_EIO, "%s: not a directory (or gone)", w->dir);
	size_t cap = 16, n = 0;
	candidate *c = malloc(cap * sizeof *c);
	if (!c)
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", w->dir);
	DIR *d = opendir(w->dir);
	if (!d) {
		free(c);
		return ls_error_set(err, LS_EIO, "%s: cannot list the directory", w->dir);
	}
	ls_status s = LS_OK;
	struct dirent *e;
	while (s == LS_OK && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, "tmp-checkpoint-", 15) == 0)
			continue;
		char *path = join(w->dir, e->d_name);
		if (!path) {
			s = ls_error_set(err, LS_ENOMEM, "out of memory");
			break;
		}
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
		    (ls_watch_checkpoint_step(e->d_name) < 0 && !is_adapter(path))) {
			free(path);
			continue;
		}
		if (n == cap) {
			candidate *g = realloc(c, 2 * cap * sizeof *c);
			if (!g) {
				free(path);
				s = ls_error_set(err, LS_ENOMEM, "out of memory");
				break;
			}
			c = g;
			cap *= 2;
		}
		c[n].path = path;
		if (!(c[n++].name = strdup(e->d_name)))
			s = ls_error_set(err, LS_ENOMEM, "out of memory");
	}
	closedir(d);
	if (s != LS_OK) {
		candidates_free(c, n);
		return s;
	}
	/* DIR is the adapter only when it has no checkpoints: the Trainer's final save_model
	 * puts an adapter in DIR beside checkpoint-N/, which are what is watched. */
	if (n == 0 && is_adapter(w->dir)) {
		const char *slash = strrchr(w->dir, '/');
		c[0].name = strdup(slash && slash[1] ? slash + 1 : w->dir);
		c[0].path = strdup(w->dir);
		n = 1;
		if (!c[0].name || !c[0].path) {
			candidates_free(c, n);
			return ls_error_set(err, LS_ENOMEM, "out of memory");
		}
	}
	qsort(c, n, sizeof *c, candidate_cmp);
	*out = c;
	*count = n;
	return LS_OK;
}

/* What a directory's files look like now: a pending checkpoint is tried again when it
 * changes. */
static void dir_signature(const char *path, ls_watch_sig *sig)
{
	memset(sig, 0, sizeof *sig);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p = join(path, e->d_name);
		struct stat st;
		if (p && stat(p, &st) == 0) {
			sig->files++;
			sig->bytes += (unsigned long long)st.st_size;
			long long t = (long long)st.st_mtim.tv_sec * 1000000000LL +
				      st.st_mtim.tv_nsec;
			sig->mtime = t > sig->mtime ? t : sig->mtime;
		}
		free(p);
	}
	closedir(d);
	sig->valid = true;
}

/* ---- pending checkpoints ---- */

static void pending_free(ls_watch_pending *p)
{
	free(p->name);
	free(p->path);
	free(p->why);
	memset(p, 0, sizeof *p);
}

static ls_status pending_add(ls_watch *w, const candidate *cand, ls_error *err)
{
	ls_watch_pending *g = realloc(w->pend, (w->npend + 1) * sizeof *g);
	if (!g)
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	w->pend = g;
	ls_watch_pending *p = &g[w->npend++];
	memset(p, 0, sizeof *p);
	p->name = strdup(cand->name);
	p->path = strdup(cand->path);
	return p->name && p->path ? LS_OK : ls_error_set(err, LS_ENOMEM, "out of memory");
}

/* Try the pending checkpoints whose files changed since their last try, in natural order. */
static ls_status try_pending(ls_watch *w, unsigned *changed, ls_error *err)
{
	for (size_t i = 0; i < w->npend;) {
		ls_watch_pending *p = &w->pend[i];
		ls_watch_sig sig;
		dir_signature(p->path, &sig);
		if (p->tried.valid && memcmp(&sig, &p->tried, sizeof sig) == 0) {
			i++;
			continue;
		}
		p->tried = sig;
		ls_watch_dir_add(w, p->path);
		ls_adapter ad;
		ls_error e = { 0 };
		ls_status s = ls_adapter_load(&ad, p->path, true, &e);
		if (s == LS_ENOMEM)
			return ls_error_set(err, s, "%s", e.msg);
		if (s != LS_OK) {
			bool same = p->why && strcmp(p->why, e.msg) == 0;
			if (!same) {
				free(p->why);
				p->why = strdup(e.msg);
				*changed |= LS_WATCH_PENDING;
			}
			i++;
			continue;
		}
		char *name = p->name, *path = p->path;
		p->name = p->path = NULL;
		pending_free(p);
		memmove(w->pend + i, w->pend + i + 1, (w->npend - i - 1) * sizeof *w->pend);
		w->npend--;
		*changed |= LS_WATCH_PENDING;
		s = ls_watch_add_checkpoint(w, &name, &path, &ad, changed, err);
		ls_adapter_free(&ad);
		free(name);
		free(path);
		if (s != LS_OK)
			return s;
	}
	return LS_OK;
}

/* ---- curves ---- */

typedef struct {
	char *path;
	struct stat st;
} state_file;

static int state_newest_first(const void *x, const void *y)
{
	const struct timespec *a = &((const state_file *)x)->st.st_mtim;
	const struct timespec *b = &((const state_file *)y)->st.st_mtim;
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? 1 : -1;
	return a->tv_nsec < b->tv_nsec ? 1 : a->tv_nsec > b->tv_nsec ? -1 : 0;
}

/* Read the newest trainer_state.json that parses, unless it is the one already read. */
static ls_status refresh_curves(ls_watch *w, const candidate *cand, size_t ncand, unsigned *changed,
				ls_error *err)
{
	state_file f[3];
	size_t n = 0;
	const char *dirs[3] = { w->dir, ncand ? cand[ncand - 1].path : NULL,
				w->nck ? w->ck[w->nck - 1].path : NULL };
	for (size_t i = 0; i < 3; i++) {
		if (!dirs[i] || (i == 2 && dirs[1] && strcmp(dirs[1], dirs[2]) == 0) ||
		    (i > 0 && strcmp(dirs[i], w->dir) == 0))
			continue;
		if (!(f[n].path = join(dirs[i], STATE_FILE)))
			return ls_error_set(err, LS_ENOMEM, "out of memory");
		if (stat(f[n].path, &f[n].st) == 0 && S_ISREG(f[n].st.st_mode))
			n++;
		else
			free(f[n].path);
	}
	qsort(f, n, sizeof *f, state_newest_first);
	ls_status s = LS_OK;
	for (size_t i = 0; i < n; i++) {
		bool same = w->curves.source && strcmp(f[i].path, w->curves.source) == 0 &&
			    f[i].st.st_size == w->curves_st.st_size &&
			    f[i].st.st_mtim.tv_sec == w->curves_st.st_mtim.tv_sec &&
			    f[i].st.st_mtim.tv_nsec == w->curves_st.st_mtim.tv_nsec;
		if (same) {
			if (i == 0) /* the newest: nothing newer is broken */
				w->curves_why[0] = '\0';
			break;
		}
		char *text;
		size_t len;
		ls_error e = { 0 };
		ls_watch_curves c = { 0 };
		s = ls_file_read_text(f[i].path, STATE_MAX_BYTES, &text, &len, &e);
		if (s == LS_OK) {
			s = ls_trainer_state_parse(&c, text, len, f[i].path, &e);
			free(text);
		}
		if (s == LS_ENOMEM) {
			ls_error_set(err, s, "%s", e.msg);
			break;
		}
		if (s != LS_OK) {
			/* Half-written or broken: said by ls_watch_curves_problem, tried again
			 * when it changes. */
			snprintf(w->curves_why, sizeof w->curves_why, "%s", e.msg);
			s = LS_OK;
			continue;
		}
		ls_watch_curves_free(&w->curves);
		w->curves = c;
		w->curves_st = f[i].st;
		if (i == 0)
			w->curves_why[0] = '\0';
		*changed |= LS_WATCH_CURVES;
		break;
	}
	for (size_t i = 0; i < n; i++)
		free(f[i].path);
	return s;
}

/* ---- the model ---- */

ls_status ls_watch_refresh(ls_watch *w, unsigned *changed, ls_error *err)
{
	*changed = 0;
	ls_watch_drain(w);
	candidate *cand;
	size_t ncand;
	ls_status s = scan(w, &cand, &ncand, err);
	if (s != LS_OK)
		return s;
	/* Gone: analysed or pending checkpoints no longer in the listing. */
	for (size_t i = w->nck; i-- > 0;) {
		bool found = false;
		for (size_t c = 0; c < ncand && !found; c++)
			found = strcmp(cand[c].path, w->ck[i].path) == 0;
		if (!found) {
			ls_watch_remove_checkpoint(w, i);
			*changed |= LS_WATCH_REMOVED;
		}
	}
	for (size_t i = w->npend; i-- > 0;) {
		bool found = false;
		for (size_t c = 0; c < ncand && !found; c++)
			found = strcmp(cand[c].path, w->pend[i].path) == 0;
		if (!found) {
			pending_free(&w->pend[i]);
			memmove(w->pend + i, w->pend + i + 1, (w->npend - i - 1) * sizeof *w->pend);
			w->npend--;
			*changed |= LS_WATCH_PENDING;
		}
	}
	if ((*changed & LS_WATCH_REMOVED) && ls_watch_prune_modules(w))
		*changed |= LS_WATCH_MODULES;
	/* New: pending until they load. */
	for (size_t c = 0; c < ncand && s == LS_OK; c++) {
		bool known = false;
		for (size_t i = 0; i < w->nck && !known; i++)
			known = strcmp(cand[c].path, w->ck[i].path) == 0;
		for (size_t i = 0; i < w->npend && !known; i++)
			known = strcmp(cand[c].path, w->pend[i].path) == 0;
		if (!known)
			s = pending_add(w, &cand[c], err);
	}
	/* Keep the pending list in natural order, so that they are analysed in order. */
	for (size_t i = 1; i < w->npend; i++)
		for (size_t j = i;
		     j > 0 && ls_adapter_natural_cmp(w->pend[j - 1].name, w->pend[j].name) > 0;
		     j--) {
			ls_watch_pending t = w->pend[j];
			w->pend[j] = w->pend[j - 1];
			w->pend[j - 1] = t;
		}
	if (s == LS_OK)
		s = try_pending(w, changed, err);
	if (s == LS_OK)
		s = ls_watch_redo_stale(w, changed, err);
	if (s == LS_OK)
		s = refresh_curves(w, cand, ncand, changed, err);
	candidates_free(cand, ncand);
	return s;
}

ls_status ls_watch_open(ls_watch **out, const char *dir, const ls_watch_opts *o, ls_error *err)
{
	*out = NULL;
	struct stat st;
	if (stat(dir, &st) != 0)
		return ls_error_set(err, LS_EIO, "%s: no such directory", dir);
	if (!S_ISDIR(st.st_mode))
		return ls_error_set(err, LS_EINVAL, "%s: not a directory", dir);
	ls_watch *w = calloc(1, sizeof *w);
	if (!w)
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	w->dir = strndup(dir, len);
	w->opts = *o;
	w->fd = -1;
	if (!w->dir) {
		free(w);
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	}
	ls_watch_notify_init(w);
	unsigned changed;
	ls_status s = ls_watch_refresh(w, &changed, err);
	if (s != LS_OK) {
		ls_watch_free(w);
		return s;
	}
	*out = w;
	return LS_OK;
}

void ls_watch_free(ls_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nck; i++)
		ls_watch_ckpt_free(&w->ck[i], w->nmod);
	for (size_t j = 0; j < w->nmod; j++)
		free(w->mods[j].name);
	for (size_t i = 0; i < w->npend; i++)
		pending_free(&w->pend[i]);
	ls_adapter_free(&w->ref);
	ls_watch_curves_free(&w->curves);
	ls_watch_notify_close(w);
	free(w->ck);
	free(w->stale);
	free(w->mods);
	free(w->pend);
	free(w->ref_path);
	free(w->dir);
	free(w);
}

const char *ls_watch_dir(const ls_watch *w)
{
	return w->dir;
}

size_t ls_watch_nckpt(const ls_watch *w)
{
	return w->nck;
}

const ls_watch_ckpt *ls_watch_ckpt_at(const ls_watch *w, size_t i)
{
	return i < w->nck ? &w->ck[i] : NULL;
}

size_t ls_watch_nmod(const ls_watch *w)
{
	return w->nmod;
}

const ls_watch_module *ls_watch_module_at(const ls_watch *w, size_t i)
{
	return i < w->nmod ? &w->mods[i] : NULL;
}

const ls_watch_curves *ls_watch_curves_get(const ls_watch *w)
{
	return &w->curves;
}

const char *ls_watch_curves_problem(const ls_watch *w)
{
	return w->curves_why[0] ? w->curves_why : NULL;
}

size_t ls_watch_npending(const ls_watch *w)
{
	return w->npend;
}

const char *ls_watch_pending_at(const ls_watch *w, size_t i, const char **why)
{
	if (i >= w->npend)
		return NULL;
	if (why)
		*why = w->pend[i].why ? w->pend[i].why : "not read yet";
	return w->pend[i].path;
}
