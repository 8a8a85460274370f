/* lesson_parse.c — the parser of lesson files (the grammar is in include/lorascope/lesson.h).
 *
 * A recursive-descent parser, one function per rule of the grammar, over the tokens of
 * src/io/lesson_lex.c. Every string (names, values, captions, the title and the file name)
 * is decoded into one arena sized from the input, so pointers stay valid while the rule and
 * action arrays grow. Errors are "FILE:LINE:COL: message". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_lex.h"
#include "lorascope/config.h"
#include "lorascope/fileio.h"
#include "lorascope/lesson_parse.h"
#include "lorascope/theory.h"

/* clang-format off */
const char *const ls_lesson_var_names[LS_LESSON_VAR_COUNT + 1] = {
#define LS_LESSON_VAR_NAME(id, name, help) name,
	LS_LESSON_VAR_LIST(LS_LESSON_VAR_NAME)
#undef LS_LESSON_VAR_NAME
	NULL
};
/* clang-format on */

typedef struct {
	ls_lexer lx;
	ls_lesson *l;
	size_t cap_setup, cap_rules, cap_actions;
	bool seen_rule;
} parser;

static bool at_end(const ls_token *t)
{
	return t->type == LS_TOK_EOL || t->type == LS_TOK_EOF;
}

static ls_status parse_step(parser *ps, long *step)
{
	ls_token t;
	ls_status st = ls_lex_next(&ps->lx, &t);
	if (st != LS_OK)
		return st;
	if (t.type != LS_TOK_WORD)
		return ls_lex_unexpected(&ps->lx, &t, "a step number");
	long v = 0;
	for (size_t j = 0; j < t.len; j++) {
		unsigned char c = ps->lx.s[t.off + j];
		if (c < '0' || c > '9' || v > (LS_LESSON_MAX_STEP - (c - '0')) / 10) {
			char got[LS_LEX_WORD_SHOWN + 16];
			ls_lex_describe(&ps->lx, &t, got, sizeof got);
			return ls_lex_fail(&ps->lx, t.pos,
					   "%s is not a step number (a whole number from 0 to %ld)",
					   got, LS_LESSON_MAX_STEP);
		}
		v = 10 * v + (c - '0');
	}
	*step = v;
	return LS_OK;
}

static ls_status parse_number(parser *ps, double *v, const char *what)
{
	ls_token t;
	ls_status st = ls_lex_next(&ps->lx, &t);
	if (st != LS_OK)
		return st;
	if (ls_lex_number(&ps->lx, &t, v))
		return LS_OK;
	if (t.type != LS_TOK_WORD)
		return ls_lex_unexpected(&ps->lx, &t, what);
	char got[LS_LEX_WORD_SHOWN + 16];
	ls_lex_describe(&ps->lx, &t, got, sizeof got);
	return ls_lex_fail(&ps->lx, t.pos, "%s is not a finite number", got);
}

/* text = STRING { STRING }: adjacent strings are joined in the arena. */
static ls_status parse_text(parser *ps, const char **out, const char *what)
{
	ls_token t;
	ls_status st = ls_lex_next(&ps->lx, &t);
	if (st != LS_OK)
		return st;
	if (t.type != LS_TOK_STRING)
		return ls_lex_unexpected(&ps->lx, &t, what);
	char *first = t.str;
	for (;;) {
		const ls_token *p;
		st = ls_lex_peek(&ps->lx, &p);
		if (st != LS_OK)
			return st;
		if (p->type != LS_TOK_STRING)
			break;
		st = ls_lex_next(&ps->lx, &t);
		if (st != LS_OK)
			return st;
		size_t a = strlen(first), b = strlen(t.str);
		memmove(first + a, t.str, b + 1);
		ps->lx.arena_used--; /* the NUL between the two */
	}
	*out = first;
	return LS_OK;
}

/* A caption's "{name}" (a word of a-z and _ in braces) must name a field (lesson.h);
 * other braces are text. Errors point at the caption's first string. */
static ls_status check_fields(parser *ps, const char *text, ls_lesson_pos at)
{
	for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
		const char *q = p + 1;
		while ((*q >= 'a' && *q <= 'z') || *q == '_')
			q++;
		if (*q == '}' && q > p + 1 && !ls_lesson_field_known(p + 1, (size_t)(q - p - 1)))
			return ls_lex_fail(
				&ps->lx, at,
				"unknown caption field {%.*s} (step, loss, grad, rank, "
				"rstar, ratio, norm, dist, threshold, alpha, beta, verdict, "
				"regime)",
				(int)(q - p - 1), p + 1);
	}
	return LS_OK;
}

/* "set" NAME VALUE, checked against the parameter table. */
static ls_status parse_set(parser *ps, const char **name, const char **value)
{
	ls_token tn, tv;
	ls_status st = ls_lex_next(&ps->lx, &tn);
	if (st != LS_OK)
		return st;
	if (tn.type != LS_TOK_WORD)
		return ls_lex_unexpected(&ps->lx, &tn, "a parameter name after 'set'");
	*name = ls_lex_word_copy(&ps->lx, &tn);
	if (!ls_param_find(*name))
		return ls_lex_fail(
			&ps->lx, tn.pos,
			"unknown parameter '%.*s' (the parameters of lorascope run --help, "
			"without --)",
			LS_LEX_WORD_SHOWN, *name);
	st = ls_lex_next(&ps->lx, &tv);
	if (st != LS_OK)
		return st;
	if (tv.type == LS_TOK_WORD)
		*value = ls_lex_word_copy(&ps->lx, &tv);
	else if (tv.type == LS_TOK_STRING)
		*value = tv.str;
	else
		return ls_lex_fail(&ps->lx, tv.pos, "expected a value for '%s'", *name);
	if (strchr(*value, '\n'))
		return ls_lex_fail(&ps->lx, tv.pos, "set %s: a value is one line", *name);
	ls_config scratch;
	ls_config_defaults(&scratch);
	ls_error e;
	ls_error_clear(&e);
	if (ls_config_set(&scratch, *name, *value, &e) != LS_OK) {
		/* config.c says "--name: cause"; in a lesson it reads "set name: cause". */
		const char *cause = e.msg;
		size_t nl = strlen(*name);
		if (strncmp(cause, "--", 2) == 0 && strncmp(cause + 2, *name, nl) == 0 &&
		    strncmp(cause + 2 + nl, ": ", 2) == 0)
			cause += 4 + nl;
		return ls_lex_fail(&ps->lx, tv.pos, "set %s: %s", *name, cause);
	}
	return LS_OK;
}

static ls_status grow(parser *ps, void **arr, size_t *cap, size_t count, size_t elem)
{
	if (count < *cap)
		return LS_OK;
	size_t ncap = *cap ? 2 * *cap : 16;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return ls_error_set(ps->lx.err, LS_ENOMEM, "%s: out of memory", ps->lx.file);
	*arr = p;
	*cap = ncap;
	return LS_OK;
}

/* A setup line: top { ";" top } [ ";" ], the first top's keyword already read into t. */
static ls_status parse_setup(parser *ps, ls_token t)
{
	ls_lesson *l = ps->l;
	for (;;) {
		if (ps->seen_rule)
			return ls_lex_fail(
				&ps->lx, t.pos,
				"setup lines come before the first rule (to change a parameter "
				"during the lesson write 'at STEP: set ...')");
		ls_status st;
		if (ls_lex_word_is(&ps->lx, &t, "title")) {
			if (l->title)
				return ls_lex_fail(&ps->lx, t.pos,
						   "a second title (a lesson has one)");
			st = parse_text(ps, &l->title, "a string after 'title'");
		} else {
			st = grow(ps, (void **)&l->setup, &ps->cap_setup, l->nsetup,
				  sizeof *l->setup);
			if (st != LS_OK)
				return st;
			ls_lesson_setting *set = &l->setup[l->nsetup];
			set->pos = t.pos;
			st = parse_set(ps, &set->name, &set->value);
			if (st == LS_OK)
				l->nsetup++;
		}
		if (st != LS_OK)
			return st;
		st = ls_lex_next(&ps->lx, &t);
		if (st != LS_OK)
			return st;
		if (at_end(&t))
			return LS_OK;
		if (t.type != LS_TOK_SEMI)
			return ls_lex_unexpected(&ps->lx, &t, "';' or the end of the line");
		st = ls_lex_next(&ps->lx, &t);
		if (st != LS_OK)
			return st;
		if (at_end(&t))
			return LS_OK;
		if (!ls_lex_word_is(&ps->lx, &t, "set") && !ls_lex_word_is(&ps->lx, &t, "title"))
			return ls_lex_unexpected(&ps->lx, &t,
						 "'set' or 'title' after ';' on a setup line");
	}
}

/* A verdict or regime name after "verdict ==" or "regime !=" (a word, or a string for
 * "n/a"): its index into ls_verdict_names / ls_regime_names, "unknown" excluded. */
static ls_status parse_name(parser *ps, ls_lesson_cond *c)
{
	bool verdict = c->var == LS_LESSON_VAR_VERDICT;
	const char *const *names = verdict ? ls_verdict_names : ls_regime_names;
	int count = verdict ? LS_VERDICT_COUNT : LS_REGIME_COUNT;
	int unknown = verdict ? LS_VERDICT_UNKNOWN : LS_REGIME_UNKNOWN;
	const char *list = verdict ? "not-stationary, saddle, global, spurious or \"n/a\""
				   : "special, generic or \"n/a\"";
	ls_token t;
	ls_status st = ls_lex_next(&ps->lx, &t);
	if (st != LS_OK)
		return st;
	if (t.type != LS_TOK_WORD && t.type != LS_TOK_STRING) {
		char want[96];
		snprintf(want, sizeof want, "a %s (%s)", verdict ? "verdict" : "regime", list);
		return ls_lex_unexpected(&ps->lx, &t, want);
	}
	for (int v = 0; v < count; v++) {
		if (v == unknown)
			continue;
		bool same = t.type == LS_TOK_WORD ? ls_lex_word_is(&ps->lx, &t, names[v])
						  : strcmp(t.str, names[v]) == 0;
		if (same) {
			c->value = v;
			return LS_OK;
		}
	}
	if (t.type == LS_TOK_STRING) {
		/* Shown up to its first line break (a message is one line). */
		size_t n = strcspn(t.str, "\n");
		bool cut = t.str[n] != '\0' || n > LS_LEX_WORD_SHOWN;
		return ls_lex_fail(&ps->lx, t.pos, "unknown %s \"%.*s%s\" (%s)",
				   verdict ? "verdict" : "regime",
				   (int)(n < LS_LEX_WORD_SHOWN ? n : LS_LEX_WORD_SHOWN), t.str,
				   cut ? "..." : "", list);
	}
	char got[LS_LEX_WORD_SHOWN + 16];
	ls_lex_describe(&ps->lx, &t, got, sizeof got);
	if (t.off + t.len < ps->lx.len && ps->lx.s[t.off + t.len] == '/')
		return ls_lex_fail(&ps->lx, t.pos,
				   "unknown %s %s (write \"n/a\" in quotes: '/' ends a word)",
				   verdict ? "verdict" : "regime", got);
	return ls_lex_fail(&ps->lx, t.pos, "unknown %s %s (%s)", verdict ? "verdict" : "regime",
			   got, list);
}

static ls_status parse_cond(parser *ps, ls_lesson_cond *c)
{
	ls_token t;
	ls_status st = ls_lex_next(&ps->lx, &t);
	if (st != LS_OK)
		return st;
	if (t.type != LS_TOK_WORD)
		return ls_lex_unexpected(&ps->lx, &t,
					 "a condition (e.g. 'loss < 0.01' or 'diverged')");
	int var = -1;
	for (int v = 0; v < LS_LESSON_VAR_COUNT; v++)
		if (ls_lex_word_is(&ps->lx, &t, ls_lesson_var_names[v]))
			var = v;
	if (var < 0) {
		char got[LS_LEX_WORD_SHOWN + 16];
		ls_lex_describe(&ps->lx, &t, got, sizeof got);
		return ls_lex_fail(
			&ps->lx, t.pos,
			"unknown condition %s (step, loss, grad, rank, rstar, ratio, norm, "
			"dist, diverged, verdict, regime)",
			got);
	}
	c->var = (ls_lesson_var)var;
	c->op = LS_LESSON_EQ;
	c->value = 0.0;
	if (var == LS_LESSON_VAR_DIVERGED)
		return LS_OK;
	bool named = var == LS_LESSON_VAR_VERDICT || var == LS_LESSON_VAR_REGIME;
	st = ls_lex_next(&ps->lx, &t);
	if (st != LS_OK)
		return st;
	/* "verdict is spurious" reads as "verdict == spurious". */
	if (named && t.type == LS_TOK_WORD && ls_lex_word_is(&ps->lx, &t, "is")) {
		c->op = LS_LESSON_EQ;
		return parse_name(ps, c);
	}
	if (t.type != LS_TOK_OP || (named && t.op != LS_LESSON_EQ && t.op != LS_LESSON_NE)) {
		char want[96];
		snprintf(want, sizeof want, "a comparison (%s) after '%s'",
			 named ? "== or !=" : "<, <=, >, >=, ==, !=", ls_lesson_var_names[var]);
		return ls_lex_unexpected(&ps->lx, &t, want);
	}
	c->op = t.op;
	if (named)
		return parse_name(ps, c);
	return parse_number(ps, &c->value, "a number");
}

static ls_status parse_action(parser *ps)
{
	ls_lesson *l = ps->l;
	ls_token t;
	ls_status st = ls_lex_next(&ps->lx, &t);
	if (st != LS_OK)
		return st;
	if (t.type != LS_TOK_WORD)
		return ls_lex_unexpected(&ps->lx, &t,
					 "an action (set, caption, pause, kick, reset or stop)");
	st = grow(ps, (void **)&l->actions, &ps->cap_actions, l->nactions, sizeof *l->actions);
	if (st != LS_OK)
		return st;
	ls_lesson_action *a = &l->actions[l->nactions];
	memset(a, 0, sizeof *a);
	a->pos = t.pos;
	if (ls_lex_word_is(&ps->lx, &t, "set")) {
		a->kind = LS_LESSON_SET;
		st = parse_set(ps, &a->name, &a->text);
	} else if (ls_lex_word_is(&ps->lx, &t, "caption")) {
		a->kind = LS_LESSON_CAPTION;
		const ls_token *p;
		st = ls_lex_peek(&ps->lx, &p);
		ls_lesson_pos at = st == LS_OK ? p->pos : t.pos;
		if (st == LS_OK)
			st = parse_text(ps, &a->text, "a string after 'caption'");
		if (st == LS_OK)
			st = check_fields(ps, a->text, at);
	} else if (ls_lex_word_is(&ps->lx, &t, "pause")) {
		a->kind = LS_LESSON_PAUSE;
	} else if (ls_lex_word_is(&ps->lx, &t, "reset")) {
		a->kind = LS_LESSON_RESET;
	} else if (ls_lex_word_is(&ps->lx, &t, "stop")) {
		a->kind = LS_LESSON_STOP;
	} else if (ls_lex_word_is(&ps->lx, &t, "kick")) {
		a->kind = LS_LESSON_KICK;
		a->scale = LS_LESSON_KICK_SCALE;
		const ls_token *p;
		st = ls_lex_peek(&ps->lx, &p);
		if (st == LS_OK && p->type == LS_TOK_WORD) {
			ls_lesson_pos sp = p->pos;
			st = parse_number(ps, &a->scale, "a kick scale");
			if (st == LS_OK && !(a->scale > 0.0 && a->scale <= 1e6))
				st = ls_lex_fail(&ps->lx, sp, "kick scale %g is outside (0, 1e6]",
						 a->scale);
		}
	} else {
		char got[LS_LEX_WORD_SHOWN + 16];
		ls_lex_describe(&ps->lx, &t, got, sizeof got);
		return ls_lex_fail(&ps->lx, t.pos,
				   "unknown action %s (set, caption, pause, kick, reset or stop)",
				   got);
	}
	if (st == LS_OK)
		l->nactions++;
	return st;
}

/* A rule, its first keyword ("at", "after" or "when") already read into t. */
static ls_status parse_rule(parser *ps, ls_token t)
{
	ls_lesson *l = ps->l;
	ls_status st = grow(ps, (void **)&l->rules, &ps->cap_rules, l->nrules, sizeof *l->rules);
	if (st != LS_OK)
		return st;
	ls_lesson_rule *r = &l->rules[l->nrules];
	memset(r, 0, sizeof *r);
	r->pos = t.pos;
	ps->seen_rule = true;
	if (ls_lex_word_is(&ps->lx, &t, "at")) {
		st = parse_step(ps, &r->step);
	} else {
		r->is_when = true;
		if (ls_lex_word_is(&ps->lx, &t, "after")) {
			st = parse_step(ps, &r->step);
			if (st == LS_OK)
				st = ls_lex_next(&ps->lx, &t);
			if (st == LS_OK && !ls_lex_word_is(&ps->lx, &t, "when"))
				st = ls_lex_unexpected(&ps->lx, &t, "'when' after 'after STEP'");
		}
		for (bool more = true; st == LS_OK && more;) {
			if (r->ncond == LS_LESSON_MAX_CONDS) {
				const ls_token *p;
				st = ls_lex_peek(&ps->lx, &p);
				if (st == LS_OK)
					st = ls_lex_fail(&ps->lx, p->pos,
							 "more than %d conditions in one rule",
							 LS_LESSON_MAX_CONDS);
				break;
			}
			st = parse_cond(ps, &r->cond[r->ncond]);
			if (st != LS_OK)
				break;
			r->ncond++;
			const ls_token *p;
			st = ls_lex_peek(&ps->lx, &p);
			more = st == LS_OK && ls_lex_word_is(&ps->lx, p, "and");
			if (more)
				st = ls_lex_next(&ps->lx, &t);
		}
	}
	if (st != LS_OK)
		return st;
	st = ls_lex_next(&ps->lx, &t);
	if (st != LS_OK)
		return st;
	if (t.type != LS_TOK_COLON)
		return ls_lex_unexpected(&ps->lx, &t,
					 r->is_when ? "'and' or ':'" : "':' after the step");
	r->first = l->nactions;
	for (;;) {
		st = parse_action(ps);
		if (st != LS_OK)
			return st;
		st = ls_lex_next(&ps->lx, &t);
		if (st != LS_OK)
			return st;
		if (at_end(&t))
			break;
		if (t.type != LS_TOK_SEMI)
			return ls_lex_unexpected(&ps->lx, &t,
						 "';' or the end of the line after an action");
		const ls_token *p;
		st = ls_lex_peek(&ps->lx, &p);
		if (st != LS_OK)
			return st;
		if (at_end(p)) {
			st = ls_lex_next(&ps->lx, &t);
			break;
		}
	}
	r->count = l->nactions - r->first;
	l->nrules++;
	return st;
}

/* One line; *eof is set at the end of the file. */
static ls_status parse_line(parser *ps, bool *eof)
{
	ls_token t;
	ls_status st = ls_lex_next(&ps->lx, &t);
	if (st != LS_OK)
		return st;
	*eof = t.type == LS_TOK_EOF;
	if (at_end(&t))
		return LS_OK;
	if (ls_lex_word_is(&ps->lx, &t, "set") || ls_lex_word_is(&ps->lx, &t, "title"))
		return parse_setup(ps, t);
	if (ls_lex_word_is(&ps->lx, &t, "at") || ls_lex_word_is(&ps->lx, &t, "after") ||
	    ls_lex_word_is(&ps->lx, &t, "when"))
		st = parse_rule(ps, t);
	else
		st = ls_lex_unexpected(&ps->lx, &t, "'set', 'title', 'at', 'after' or 'when'");
	return st;
}

/* The setup applied to the defaults must give a valid run. */
static ls_status check_setup(parser *ps)
{
	const ls_lesson *l = ps->l;
	if (l->nsetup == 0)
		return LS_OK;
	ls_config c;
	ls_config_defaults(&c);
	ls_error e;
	ls_error_clear(&e);
	ls_status st = ls_lesson_configure(l, &c, &e);
	if (st == LS_OK)
		st = ls_config_check(&c, &e);
	if (st != LS_OK)
		return ls_lex_fail(&ps->lx, l->setup[l->nsetup - 1].pos,
				   "the setup lines give an invalid run: %s", e.msg);
	return LS_OK;
}

ls_status ls_lesson_parse(const char *file, const char *text, size_t len, ls_lesson **out,
			  ls_error *err)
{
	*out = NULL;
	if (!file)
		file = "lesson";
	if (len > LS_LESSON_MAX_BYTES)
		return ls_error_set(err, LS_ETOOBIG, "%s: larger than %zu bytes", file,
				    LS_LESSON_MAX_BYTES);
	ls_lesson *l = calloc(1, sizeof *l);
	size_t flen = strlen(file);
	/* Every decoded string is no longer than its source, plus a NUL per token. */
	size_t cap = 2 * len + flen + 2;
	if (l)
		l->arena = malloc(cap);
	if (!l || !l->arena) {
		free(l);
		return ls_error_set(err, LS_ENOMEM, "%s: out of memory", file);
	}
	memcpy(l->arena, file, flen + 1);
	l->file = l->arena;
	parser ps = { .l = l };
	ls_lex_init(&ps.lx, file, text, len, l->arena, flen + 1, err);
	locale_t prev = ls_c_locale_push();
	ls_status st = LS_OK;
	for (bool eof = false; st == LS_OK && !eof;)
		st = parse_line(&ps, &eof);
	if (st == LS_OK)
		st = check_setup(&ps);
	ls_c_locale_pop(prev);
	if (st != LS_OK) {
		ls_lesson_free(l);
		return st;
	}
	*out = l;
	return LS_OK;
}

ls_status ls_lesson_load(const char *path, ls_lesson **out, ls_error *err)
{
	*out = NULL;
	char *buf;
	size_t len;
	ls_status st = ls_file_read_text(path, LS_LESSON_MAX_BYTES, &buf, &len, err);
	if (st != LS_OK)
		return st;
	st = ls_lesson_parse(path, buf, len, out, err);
	free(buf);
	return st;
}

void ls_lesson_free(ls_lesson *l)
{
	if (!l)
		return;
	free(l->setup);
	free(l->rules);
	free(l->actions);
	free(l->arena);
	free(l);
}

ls_status ls_lesson_configure(const ls_lesson *l, ls_config *cfg, ls_error *err)
{
	ls_config next = *cfg;
	locale_t prev = ls_c_locale_push();
	for (size_t i = 0; i < l->nsetup; i++) {
		const ls_lesson_setting *s = &l->setup[i];
		ls_error e;
		ls_error_clear(&e);
		ls_status st = ls_config_set(&next, s->name, s->value, &e);
		if (st != LS_OK) {
			ls_c_locale_pop(prev);
			return ls_error_set(err, st, "%s:%zu:%zu: %s", l->file, s->pos.line,
					    s->pos.col, e.msg);
		}
	}
	ls_c_locale_pop(prev);
	*cfg = next;
	return LS_OK;
}
