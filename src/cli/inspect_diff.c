/* inspect_diff.c — `lorascope inspect --diff A B`: two adapters (or two checkpoints of one run)
 * module by module: ‖ΔW_A‖_F, ‖ΔW_B‖_F, the relative drift ‖ΔW_B − ΔW_A‖_F/‖ΔW_A‖_F and the
 * principal angles between the column spaces of ΔW_A and ΔW_B, all from the thin factors
 * (ls_lowrank_drift, MATH.md §8); modules in one adapter only are listed as such. A table
 * with a summary and a legend, or one JSON document. Only formatting lives here. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inspect.h"
#include "lorascope/json_number.h"
#include "lorascope/adapter.h"
#include "lorascope/lowrank.h"

#define NAME_SHOWN 2048
#define DEGREES (180.0 / 3.14159265358979323846)

typedef struct {
	const ls_adapter_module *a, *b; /* NULL: the module is not in that adapter */
	double rel;                     /* NaN when there is no number; note says why */
	double *angles;                 /* degrees, ascending */
	size_t nangles;
	const char *note; /* NULL, "only in A", "only in B", "shapes differ" or drift's why */
} diff_row;

typedef struct {
	diff_row *rows;
	size_t n, both, only_a, only_b;
} diff;

static const ls_adapter_module *find(const ls_adapter *ad, const char *name)
{
	for (size_t i = 0; i < ad->nmod; i++)
		if (strcmp(ad->modules[i].name, name) == 0)
			return &ad->modules[i];
	return NULL;
}

static ls_status compare(diff_row *row, ls_error *err)
{
	const ls_adapter_module *a = row->a, *b = row->b;
	row->rel = NAN;
	if (a->out != b->out || a->in != b->in) {
		row->note = "shapes differ";
		return LS_OK;
	}
	size_t cap = a->k < b->k ? a->k : b->k;
	if (!(row->angles = calloc(cap + 1, sizeof *row->angles)))
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	ls_status st = ls_lowrank_drift(&a->lr, &b->lr, &row->rel, row->angles, &row->nangles,
					&row->note, err);
	for (size_t i = 0; i < row->nangles; i++)
		row->angles[i] *= DEGREES;
	return st;
}

/* Rows: A's modules in A's order, then B's that A lacks. */
static ls_status build(diff *d, const ls_adapter *A, const ls_adapter *B, ls_error *err)
{
	memset(d, 0, sizeof *d);
	if (!(d->rows = calloc(A->nmod + B->nmod + 1, sizeof *d->rows)))
		return ls_error_set(err, LS_ENOMEM, "out of memory");
	ls_status st = LS_OK;
	for (size_t i = 0; i < A->nmod && st == LS_OK; i++) {
		diff_row *row = &d->rows[d->n++];
		row->a = &A->modules[i];
		row->b = find(B, row->a->name);
		row->rel = NAN;
		if (row->b) {
			d->both++;
			st = compare(row, err);
		} else {
			d->only_a++;
			row->note = "only in A";
		}
	}
	for (size_t i = 0; i < B->nmod && st == LS_OK; i++)
		if (!find(A, B->modules[i].name)) {
			diff_row *row = &d->rows[d->n++];
			row->b = &B->modules[i];
			row->rel = NAN;
			row->note = "only in B";
			d->only_b++;
		}
	return st;
}

static void diff_free(diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->rows[i].angles);
	free(d->rows);
}

static const ls_adapter_module *either(const diff_row *row)
{
	return row->a ? row->a : row->b;
}

static void print_table(const diff *d, const ls_adapter *A, const ls_adapter *B)
{
	char shown[NAME_SHOWN];
	printf("A         %s\n", ls_text_printable(shown, sizeof shown, A->path));
	printf("B         %s\n\n", ls_text_printable(shown, sizeof shown, B->path));
	int w = 6;
	for (size_t i = 0; i < d->n; i++) {
		int l = (int)strlen(
			ls_text_printable(shown, sizeof shown, either(&d->rows[i])->name));
		w = l > w ? l : w;
	}
	printf("%-*s %13s %10s %10s %10s %9s %6s  %s\n", w, "module", "shape", "|dW_A|_F",
	       "|dW_B|_F", "drift", "max.angle", "angles", "note");
	size_t big = d->n;
	for (size_t i = 0; i < d->n; i++) {
		const diff_row *row = &d->rows[i];
		const ls_adapter_module *m = either(row);
		char shape[32], fa[16], fb[16], rel[16], ang[16];
		snprintf(shape, sizeof shape, "%zux%zu", m->out, m->in);
		snprintf(fa, sizeof fa, row->a ? "%.4g" : "-", row->a ? row->a->fro : 0.0);
		snprintf(fb, sizeof fb, row->b ? "%.4g" : "-", row->b ? row->b->fro : 0.0);
		snprintf(rel, sizeof rel, isfinite(row->rel) ? "%.4g" : "-", row->rel);
		snprintf(ang, sizeof ang, row->nangles ? "%.4f" : "-",
			 row->nangles ? row->angles[row->nangles - 1] : 0.0);
		printf("%-*s %13s %10s %10s %10s %9s %6zu  %s\n", w,
		       ls_text_printable(shown, sizeof shown, m->name), shape, fa, fb, rel, ang,
		       row->nangles, row->note ? row->note : "-");
		if (isfinite(row->rel) && (big == d->n || row->rel > d->rows[big].rel))
			big = i;
	}
	printf("\nsummary   %zu modules in both, %zu only in A, %zu only in B", d->both, d->only_a,
	       d->only_b);
	if (big < d->n)
		printf("; largest drift: %s (%.4g)",
		       ls_text_printable(shown, sizeof shown, d->rows[big].a->name),
		       d->rows[big].rel);
	printf("\n\nlegend    drift = |dW_B - dW_A|_F/|dW_A|_F; max.angle = the largest principal "
	       "angle\n          (degrees) between the column spaces of dW_A and dW_B, of their "
	       "numerical ranks\n          (singular values above %g of |dW|_F); angles = how "
	       "many; all from the thin\n          factors (--json lists every angle)\n",
	       LS_RANK_TOL);
}

static int print_json(const diff *d, const ls_adapter *A, const ls_adapter *B)
{
	json_t *mods = json_array();
	for (size_t i = 0; i < d->n; i++) {
		const diff_row *row = &d->rows[i];
		const ls_adapter_module *m = either(row);
		json_t *angles = json_array();
		for (size_t k = 0; k < row->nangles; k++)
			json_array_append_new(angles, json_real(row->angles[k]));
		json_array_append_new(
			mods,
			json_pack("{s:s, s:s, s:[i, i], s:o, s:o, s:o, s:o, s:o, s:s?}", "name",
				  m->name, "in",
				  row->a && row->b ? "both"
				  : row->a         ? "A"
						   : "B",
				  "shape", (json_int_t)m->out, (json_int_t)m->in, "fro_norm_a",
				  row->a ? ls_json_number(row->a->fro) : json_null(), "fro_norm_b",
				  row->b ? ls_json_number(row->b->fro) : json_null(),
				  "relative_drift", ls_json_number(row->rel), "largest_angle_deg",
				  row->nangles ? json_real(row->angles[row->nangles - 1])
					       : json_null(),
				  "principal_angles_deg", angles, "note", row->note));
	}
	json_t *doc = json_pack("{s:s, s:s, s:o, s:{s:i, s:i, s:i}, s:s}", "a", A->path, "b",
				B->path, "modules", mods, "summary", "both", (json_int_t)d->both,
				"only_a", (json_int_t)d->only_a, "only_b", (json_int_t)d->only_b,
				"drift_rule",
				"relative_drift = |dW_B - dW_A|_F/|dW_A|_F; principal angles in "
				"degrees between the column spaces (numerical ranks)");
	return ls_inspect_print_json(doc);
}

static int exit_status(ls_status st)
{
	return st == LS_ENOMEM || st == LS_ENUMERIC ? LS_EXIT_FAILURE : LS_EXIT_USAGE;
}

int ls_cli_inspect_diff(const char *a, const char *b, bool json)
{
	ls_adapter A, B;
	ls_error err;
	ls_error_clear(&err);
	ls_status st = ls_adapter_load(&A, a, true, &err);
	if (st != LS_OK) {
		fprintf(stderr, "lorascope inspect: %s\n", err.msg);
		return exit_status(st);
	}
	if ((st = ls_adapter_load(&B, b, true, &err)) != LS_OK) {
		fprintf(stderr, "lorascope inspect: %s\n", err.msg);
		ls_adapter_free(&A);
		return exit_status(st);
	}
	diff d;
	int rc;
	if ((st = build(&d, &A, &B, &err)) != LS_OK) {
		fprintf(stderr, "lorascope inspect: --diff: %s\n", err.msg);
		rc = LS_EXIT_FAILURE;
	} else if (json) {
		rc = print_json(&d, &A, &B);
	} else {
		print_table(&d, &A, &B);
		rc = LS_EXIT_OK;
	}
	diff_free(&d);
	ls_adapter_free(&A);
	ls_adapter_free(&B);
	return rc;
}
