/* watch.c — the run-directory model of `lorascope watch` (watch.h): the checkpoints of DIR
 * found at each refresh, each analysed once when complete (ls_adapter_load with bases), the
 * module set as the union over checkpoints, the drift of each module against the nearest
 * earlier checkpoint having it, and the curves of the newest trainer_state.json. Change
 * notification (inotify or polling) lives in dirwatch.c. */
#include <dirent.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lorascope/adapter.h"
#include "lorascope/fileio.h"
#include "lorascope/lowrank.h"
#include "watch_priv.h"

#define STATE_FILE "trainer_state.json"
#define STATE_MAX_BYTES ((size_t)256 << 20)
#define RAD_TO_DEG (180.0 / 3.14159265358979323846)

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

/* N of "checkpoint-N", or -1. */
static long checkpoint_step(const char *name)
{
	const char *p = "checkpoint-";
	size_t n = strlen(p);
	if (strncmp(name, p, n) != 0 || !name[n])
		return -1;
	long v = 0;
	for (const char *c = name + n; *c; c++) {
		if (*c < '0' || *c > '9' || v > (__LONG_MAX__ - 9) / 10)
			return -1;
		v = v * 10 + (*c - '0');
	}
	return v;
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
	if (is_adapter(w->dir)) {
		const char *slash = strrchr(w->dir, '/');
		c[0].name = strdup(slash && slash[1] ? slash + 1 : w->dir);
		c[0].path = strdup(w->dir);
		*out = c;
		*count = 1;
		return c[0].name && c[0].path ? LS_OK
					      : ls_error_set(err, LS_ENOMEM, "out of memory");
	}
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
		    (checkpoint_step(e->d_name) < 0 && !is_adapter(path))) {
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

/* ---- modules ---- */

static void cell_free(ls_watch_cell *c)
{
	free(c->sigma);
	free(c->angles);
	memset(c, 0, sizeof *c);
}

static void ckpt_free(ls_watch_ckpt *k, size_t nmod)
{
	for (size_t j = 0; k->cells && j < nmod; j++)
		cell_free(&k->cells[j]);
	free(k->cells);
	free(k->name);
	free(k->path);
	memset(k, 0, sizeof *k);
}

/* The index of module name, inserting it (natural order) when absent; every checkpoint's
 * cells follow. *added is set when it was inserted. */
static ls_status module_index(ls_watch *w, const char *name, size_t *idx, bool *added,
			      ls_error *err)
{
	size_t lo = 0, hi = w->nmod;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = ls_adapter_natural_cmp(w->mods[mid].name, name);
		if (c == 0) {
			*idx = mid;
			return LS_OK;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	ls_watch_module *m = realloc(w->mods, (w->nmod + 1) * sizeof *m);
	if (!m)
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	w->mods = m;
	for (size_t i = 0; i < w->nck; i++) {
		ls_watch_cell *c = realloc(w->ck[i].cells, (w->nmod + 1) * sizeof *c);
		if (!c)
			return ls_error_set(err, LS_ENOMEM, "out of memory");
		memmove(c + lo + 1, c + lo, (w->nmod - lo) * sizeof *c);
		memset(&c[lo], 0, sizeof *c);
		w->ck[i].cells = c;
	}
	memmove(m + lo + 1, m + lo, (w->nmod - lo) * sizeof *m);
	memset(&m[lo], 0, sizeof *m);
	w->nmod++;
	if (!(m[lo].name = strdup(name)))
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	*idx = lo;
	*added = true;
	return LS_OK;
}

/* Drop the modules no checkpoint has any more. */
static bool prune_modules(ls_watch *w)
{
	size_t kept = 0;
	for (size_t j = 0; j < w->nmod; j++) {
		bool used = false;
		for (size_t i = 0; i < w->nck && !used; i++)
			used = w->ck[i].cells[j].present;
		if (!used) {
			free(w->mods[j].name);
			continue;
		}
		w->mods[kept] = w->mods[j];
		for (size_t i = 0; i < w->nck; i++)
			w->ck[i].cells[kept] = w->ck[i].cells[j];
		kept++;
	}
	bool changed = kept != w->nmod;
	w->nmod = kept;
	return changed;
}

/* ---- analysis ---- */

/* Checkpoint i's adapter with bases, loaded into w->ref (the one slot kept besides the one
 * being analysed). */
static ls_status ref_adapter(ls_watch *w, size_t i, const ls_adapter **ad, ls_error *err)
{
	if (w->ref_path && strcmp(w->ref_path, w->ck[i].path) == 0) {
		*ad = &w->ref;
		return LS_OK;
	}
	ls_adapter_free(&w->ref);
	free(w->ref_path);
	w->ref_path = NULL;
	ls_status s = ls_adapter_load(&w->ref, w->ck[i].path, true, err);
	if (s != LS_OK)
		return s;
	if (!(w->ref_path = strdup(w->ck[i].path)))
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	*ad = &w->ref;
	return LS_OK;
}

static const ls_adapter_module *find_module(const ls_adapter *ad, const char *name)
{
	size_t lo = 0, hi = ad->nmod;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = ls_adapter_natural_cmp(ad->modules[mid].name, name);
		if (c == 0)
			return &ad->modules[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The drift of every module of checkpoint i (whose adapter with bases is cur) against the
 * nearest earlier checkpoint having it (MATH.md §8, ls_lowrank_drift). */
static ls_status compute_drift(ls_watch *w, size_t i, const ls_adapter *cur, ls_error *err)
{
	for (size_t j = 0; j < w->nmod; j++) {
		ls_watch_cell *c = &w->ck[i].cells[j];
		if (!c->present)
			continue;
		free(c->angles);
		c->angles = NULL;
		c->nangles = 0;
		c->drift = c->angle_max = NAN;
		size_t p = i;
		while (p > 0 && !w->ck[p - 1].cells[j].present)
			p--;
		if (p == 0) {
			c->drift_why = i == 0 ? "first checkpoint" : "new module";
			continue;
		}
		const ls_adapter *prev = NULL;
		ls_status s = ref_adapter(w, p - 1, &prev, err);
		if (s != LS_OK)
			return s;
		const ls_adapter_module *P = find_module(prev, w->mods[j].name);
		const ls_adapter_module *Q = find_module(cur, w->mods[j].name);
		if (!P || !Q)
			return ls_error_set(err, LS_EIO, "%s: changed while being watched",
					    P ? w->ck[i].path : w->ck[p - 1].path);
		if (P->lr.m != Q->lr.m || P->lr.n != Q->lr.n) {
			c->drift_why = "shape changed";
			continue;
		}
		size_t na = P->lr.k < Q->lr.k ? P->lr.k : Q->lr.k;
		c->angles = malloc((na + 1) * sizeof *c->angles);
		if (!c->angles)
			return ls_error_set(err, LS_ENOMEM, "out of memory");
		s = ls_lowrank_drift(&P->lr, &Q->lr, &c->drift, c->angles, &c->nangles,
				     &c->drift_why, err);
		if (s != LS_OK)
			return s;
		for (size_t a = 0; a < c->nangles; a++)
			c->angles[a] *= RAD_TO_DEG;
		if (c->nangles)
			c->angle_max = c->angles[c->nangles - 1];
	}
	return LS_OK;
}

/* Fill checkpoint i's cells from its adapter ad. */
static ls_status fill_cells(ls_watch *w, size_t i, const ls_adapter *ad, unsigned *changed,
			    ls_error *err)
{
	ls_watch_ckpt *k = &w->ck[i];
	k->nloud = ad->nloud;
	k->nzero = ad->nzero;
	for (size_t m = 0; m < ad->nmod; m++) {
		const ls_adapter_module *am = &ad->modules[m];
		size_t j = 0;
		bool added = false;
		ls_status s = module_index(w, am->name, &j, &added, err);
		if (s != LS_OK)
			return s;
		if (added)
			*changed |= LS_WATCH_MODULES;
		k = &w->ck[i];
		ls_watch_cell *c = &k->cells[j];
		c->present = true;
		c->k = am->k;
		if (!(c->sigma = malloc((am->k + 1) * sizeof *c->sigma)))
			return ls_error_set(err, LS_ENOMEM, "out of memory");
		memcpy(c->sigma, am->sigma, am->k * sizeof *c->sigma);
		c->fro = am->fro;
		c->spec = am->spec;
		c->stable_rank = am->stable_rank;
		c->effective_rank = am->effective_rank;
		c->noise_rank = am->noise_rank;
		c->flags = am->flags;
		bool newest = true;
		for (size_t l = i + 1; l < w->nck && newest; l++)
			newest = !w->ck[l].cells[j].present;
		if (newest) {
			w->mods[j].out = am->out;
			w->mods[j].in = am->in;
			w->mods[j].r = am->r;
		}
	}
	return LS_OK;
}

/* Insert the loaded adapter ad (moved into the model) as checkpoint cand at its place;
 * the checkpoint after it needs its drift again. */
static ls_status add_checkpoint(ls_watch *w, candidate *cand, ls_adapter *ad, unsigned *changed,
				ls_error *err)
{
	ls_watch_ckpt *g = realloc(w->ck, (w->nck + 1) * sizeof *g);
	bool *st = realloc(w->stale, (w->nck + 1) * sizeof *st);
	if (g)
		w->ck = g;
	if (st)
		w->stale = st;
	if (!g || !st)
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	size_t i = 0;
	while (i < w->nck && ls_adapter_natural_cmp(w->ck[i].name, cand->name) < 0)
		i++;
	memmove(g + i + 1, g + i, (w->nck - i) * sizeof *g);
	memmove(st + i + 1, st + i, (w->nck - i) * sizeof *st);
	memset(&g[i], 0, sizeof *g);
	st[i] = false;
	w->nck++;
	g[i].name = cand->name;
	g[i].path = cand->path;
	cand->name = cand->path = NULL;
	g[i].step = checkpoint_step(g[i].name);
	g[i].seq = ++w->seq;
	if (!(g[i].cells = calloc(w->nmod + 1, sizeof *g[i].cells)))
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	ls_status s = fill_cells(w, i, ad, changed, err);
	if (s == LS_OK)
		s = compute_drift(w, i, ad, err);
	if (s != LS_OK)
		return s;
	if (i + 1 < w->nck)
		w->stale[i + 1] = true;
	/* Keep the bases of the newest checkpoint: the next one is compared with it. */
	if (i + 1 == w->nck) {
		ls_adapter_free(&w->ref);
		free(w->ref_path);
		w->ref = *ad;
		memset(ad, 0, sizeof *ad);
		if (!(w->ref_path = strdup(g[i].path)))
			return ls_error_set(err, LS_ENOMEM, "out of memory");
	}
	*changed |= LS_WATCH_ADDED;
	return LS_OK;
}

static void remove_checkpoint(ls_watch *w, size_t i)
{
	if (w->ref_path && strcmp(w->ref_path, w->ck[i].path) == 0) {
		ls_adapter_free(&w->ref);
		free(w->ref_path);
		w->ref_path = NULL;
	}
	ckpt_free(&w->ck[i], w->nmod);
	memmove(w->ck + i, w->ck + i + 1, (w->nck - i - 1) * sizeof *w->ck);
	memmove(w->stale + i, w->stale + i + 1, (w->nck - i - 1) * sizeof *w->stale);
	w->nck--;
	if (i < w->nck)
		w->stale[i] = true;
}

/* Compute again the drift of the checkpoints marked stale (a neighbour came or went). */
static ls_status redo_stale(ls_watch *w, unsigned *changed, ls_error *err)
{
	for (size_t i = 0; i < w->nck; i++) {
		if (!w->stale[i])
			continue;
		w->stale[i] = false;
		ls_adapter cur;
		ls_status s = ls_adapter_load(&cur, w->ck[i].path, true, err);
		if (s == LS_OK)
			s = compute_drift(w, i, &cur, err);
		ls_adapter_free(&cur);
		if (s != LS_OK)
			return s;
		*changed |= LS_WATCH_DRIFT;
	}
	return LS_OK;
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
		candidate cand = { p->name, p->path };
		p->name = p->path = NULL;
		pending_free(p);
		memmove(w->pend + i, w->pend + i + 1, (w->npend - i - 1) * sizeof *w->pend);
		w->npend--;
		*changed |= LS_WATCH_PENDING;
		s = add_checkpoint(w, &cand, &ad, changed, err);
		ls_adapter_free(&ad);
		free(cand.name);
		free(cand.path);
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
			remove_checkpoint(w, i);
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
	if ((*changed & LS_WATCH_REMOVED) && prune_modules(w))
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
		s = redo_stale(w, changed, err);
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
	/* Analysing a checkpoint allocates and frees the same few 0.5 MB blocks (4096×16
	 * doubles) for each of its modules. glibc would map and unmap each of them, or trim the
	 * heap after each, and every page would fault in again (most of the time of a
	 * 224-module checkpoint, tests/bench/bench_watch.c): keep them in the heap instead. */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
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
		ckpt_free(&w->ck[i], w->nmod);
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
