/* watch_analyse.c — what the run-directory model (watch.c) holds of an analysed checkpoint:
 * its cells (σ, norms, ranks, flags of each module from ls_adapter_load), the module set as
 * the union over checkpoints in natural order, and the drift of each module against the
 * nearest earlier checkpoint having it (MATH.md §8, ls_lowrank_drift), the bases of one
 * checkpoint kept (w->ref) and others read again when a neighbour comes or goes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/adapter.h"
#include "lorascope/lowrank.h"
#include "watch_priv.h"

#define RAD_TO_DEG (180.0 / 3.14159265358979323846)

/* N of "checkpoint-N", or -1. */
long ls_watch_checkpoint_step(const char *name)
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

/* ---- modules ---- */

static void cell_free(ls_watch_cell *c)
{
	free(c->sigma);
	free(c->angles);
	memset(c, 0, sizeof *c);
}

void ls_watch_ckpt_free(ls_watch_ckpt *k, size_t nmod)
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
bool ls_watch_prune_modules(ls_watch *w)
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

ls_status ls_watch_add_checkpoint(ls_watch *w, char **name, char **path, ls_adapter *ad,
				  unsigned *changed, ls_error *err)
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
	while (i < w->nck && ls_adapter_natural_cmp(w->ck[i].name, *name) < 0)
		i++;
	memmove(g + i + 1, g + i, (w->nck - i) * sizeof *g);
	memmove(st + i + 1, st + i, (w->nck - i) * sizeof *st);
	memset(&g[i], 0, sizeof *g);
	st[i] = false;
	w->nck++;
	g[i].name = *name;
	g[i].path = *path;
	*name = *path = NULL;
	g[i].step = ls_watch_checkpoint_step(g[i].name);
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

void ls_watch_remove_checkpoint(ls_watch *w, size_t i)
{
	if (w->ref_path && strcmp(w->ref_path, w->ck[i].path) == 0) {
		ls_adapter_free(&w->ref);
		free(w->ref_path);
		w->ref_path = NULL;
	}
	ls_watch_ckpt_free(&w->ck[i], w->nmod);
	memmove(w->ck + i, w->ck + i + 1, (w->nck - i - 1) * sizeof *w->ck);
	memmove(w->stale + i, w->stale + i + 1, (w->nck - i - 1) * sizeof *w->stale);
	w->nck--;
	if (i < w->nck)
		w->stale[i] = true;
}

ls_status ls_watch_redo_stale(ls_watch *w, unsigned *changed, ls_error *err)
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
