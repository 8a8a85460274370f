/* lesson.c — the parser of lesson files (the grammar is in include/lorascope/lesson.h).
 *
 * A hand-written lexer with one token of lookahead feeds a recursive-descent parser, one
 * function per rule of the grammar. Every string (names, values, captions, the title and
 * the file name) is decoded into one arena sized from the input, so pointers stay valid
 * while the rule and action arrays grow. Errors are "FILE:LINE:COL: message". */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/config.h"
#include "lorascope/fileio.h"
#include "lorascope/lesson.h"

const char *const ls_lesson_var_names[LS_LESSON_VAR_COUNT + 1] = {
#define LS_LESSON_VAR_NAME(id, name, help) name,
        LS_LESSON_VAR_LIST(LS_LESSON_VAR_NAME)
#undef LS_LESSON_VAR_NAME
                NULL};

typedef enum { T_EOF, T_EOL, T_WORD, T_STRING, T_COLON, T_SEMI, T_OP } tok_type;

typedef struct {
	tok_type type;
	ls_lesson_pos pos;
	size_t off, len; /* WORD: its bytes in the source */
	ls_lesson_op op; /* OP */
	char *str;       /* STRING: decoded, in the arena */
} token;

typedef struct {
	const char *file;
	const unsigned char *s;
	size_t len, i;
	size_t line, col; /* position of s[i] */
	ls_lesson *l;
	size_t arena_used;
	size_t cap_setup, cap_rules, cap_actions;
	token tok;
	bool have_tok; /* tok is a lookahead not yet consumed */
	bool seen_rule;
	ls_error *err;
} parser;

#define WORD_SHOWN 40

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static ls_status
fail(parser *ps, ls_lesson_pos pos, const char *fmt, ...)
{
	char msg[LS_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ls_error_set(ps->err, LS_EFORMAT, "%s:%zu:%zu: %s", ps->file, pos.line, pos.col,
	                    msg);
}

static ls_lesson_pos here(const parser *ps)
{
	return (ls_lesson_pos){ps->line, ps->col};
}

static void advance(parser *ps)
{
	unsigned char c = ps->s[ps->i++];
	if (c == '\n') {
		ps->line++;
		ps->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		ps->col++;
	}
}

static int peekc(const parser *ps, size_t ahead)
{
	return ps->i + ahead < ps->len ? ps->s[ps->i + ahead] : -1;
}

static bool is_word_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '+' || c == '-';
}

/* Skip blanks, comments and backslash-newline continuations. */
static void skip_blank(parser *ps)
{
	for (;;) {
		int c = peekc(ps, 0);
		if (c == ' ' || c == '\t' || c == '\r') {
			advance(ps);
		} else if (c == '#') {
			while (peekc(ps, 0) != -1 && peekc(ps, 0) != '\n')
				advance(ps);
		} else if (c == '\\') {
			size_t k = 1;
			while (peekc(ps, k) == ' ' || peekc(ps, k) == '\t' || peekc(ps, k) == '\r')
				k++;
			if (peekc(ps, k) != '\n')
				return;
			for (size_t j = 0; j <= k; j++)
				advance(ps);
		} else {
			return;
		}
	}
}

/* Length of the valid UTF-8 sequence at s[i] (of at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t k;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		k = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		k = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t j = 1; j < k; j++) {
		if ((s[j] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[j] & 0x3F);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return k;
}

/* Decode the string starting at the opening quote into the arena. */
static ls_status lex_string(parser *ps, token *t)
{
	advance(ps); /* the opening quote */
	char *out = ps->l->arena + ps->arena_used;
	size_t n = 0;
	for (;;) {
		int c = peekc(ps, 0);
		ls_lesson_pos p = here(ps);
		if (c == -1 || c == '\n')
			return fail(ps, t->pos, "unterminated string (a string ends on its line)");
		if (c == '"') {
			advance(ps);
			break;
		}
		if (c == '\\') {
			int e = peekc(ps, 1);
			char d = e == '"' ? '"' : e == '\\' ? '\\' : e == 'n' ? '\n' : 0;
			if (!d)
				return fail(ps, p,
				            "unknown escape in a string (use \\\", \\\\ or \\n)");
			advance(ps);
			advance(ps);
			out[n++] = d;
			continue;
		}
		if (c < 0x20 || c == 0x7F)
			return fail(ps, p, "control character 0x%02X in a string", (unsigned)c);
		size_t k = utf8_len(ps->s + ps->i, ps->len - ps->i);
		if (k == 0)
			return fail(ps, p, "invalid UTF-8 in a string");
		for (size_t j = 0; j < k; j++) {
			out[n++] = (char)ps->s[ps->i];
			advance(ps);
		}
	}
	out[n] = '\0';
	ps->arena_used += n + 1;
	t->str = out;
	return LS_OK;
}

static ls_status lex(parser *ps, token *t)
{
	skip_blank(ps);
	memset(t, 0, sizeof *t);
	t->pos = here(ps);
	int c = peekc(ps, 0);
	if (c == -1) {
		t->type = T_EOF;
		return LS_OK;
	}
	if (c == '\n') {
		advance(ps);
		t->type = T_EOL;
		return LS_OK;
	}
	if (c == ':' || c == ';') {
		advance(ps);
		t->type = c == ':' ? T_COLON : T_SEMI;
		return LS_OK;
	}
	if (c == '<' || c == '>' || c == '=' || c == '!') {
		bool eq = peekc(ps, 1) == '=';
		if ((c == '=' || c == '!') && !eq)
			return fail(ps, t->pos,
			            "'%c' is not an operator (use ==, !=, <, <=, > or >=)", c);
		advance(ps);
		if (eq)
			advance(ps);
		t->type = T_OP;
		t->op = c == '<'   ? (eq ? LS_LESSON_LE : LS_LESSON_LT)
		        : c == '>' ? (eq ? LS_LESSON_GE : LS_LESSON_GT)
		        : c == '=' ? LS_LESSON_EQ
		                   : LS_LESSON_NE;
		return LS_OK;
	}
	if (c == '"') {
		t->type = T_STRING;
		return lex_string(ps, t);
	}
	if (is_word_char(c)) {
		t->type = T_WORD;
		t->off = ps->i;
		while (is_word_char(peekc(ps, 0)))
			advance(ps);
		t->len = ps->i - t->off;
		return LS_OK;
	}
	if (c == 0)
		return fail(ps, t->pos, "NUL byte");
	if (c > 0x20 && c < 0x7F)
		return fail(ps, t->pos, "unexpected character '%c'", c);
	return fail(ps, t->pos, "unexpected byte 0x%02X (outside a string)", (unsigned)c);
}

/* The next token, consumed. */
static ls_status next(parser *ps, token *t)
{
	if (ps->have_tok) {
		ps->have_tok = false;
		*t = ps->tok;
		return LS_OK;
	}
	return lex(ps, t);
}

/* The next token, left in place. */
static ls_status peek(parser *ps, const token **t)
{
	if (!ps->have_tok) {
		ls_status st = lex(ps, &ps->tok);
		if (st != LS_OK)
			return st;
		ps->have_tok = true;
	}
	*t = &ps->tok;
	return LS_OK;
}

static bool word_is(const parser *ps, const token *t, const char *w)
{
	return t->type == T_WORD && t->len == strlen(w) && memcmp(ps->s + t->off, w, t->len) == 0;
}

static bool at_end(const token *t)
{
	return t->type == T_EOL || t->type == T_EOF;
}

/* A short description of a token for messages. */
static void describe(const parser *ps, const token *t, char *buf, size_t len)
{
	switch (t->type) {
	case T_EOF:
		snprintf(buf, len, "the end of the file");
		break;
	case T_EOL:
		snprintf(buf, len, "the end of the line");
		break;
	case T_WORD:
		snprintf(buf, len, "'%.*s%s'", (int)(t->len < WORD_SHOWN ? t->len : WORD_SHOWN),
		         (const char *)ps->s + t->off, t->len > WORD_SHOWN ? "..." : "");
		break;
	case T_STRING:
		snprintf(buf, len, "a string");
		break;
	case T_COLON:
		snprintf(buf, len, "':'");
		break;
	case T_SEMI:
		snprintf(buf, len, "';'");
		break;
	case T_OP:
		snprintf(buf, len, "an operator");
		break;
	}
}

static ls_status unexpected(parser *ps, const token *t, const char *wanted)
{
	char got[WORD_SHOWN + 16];
	describe(ps, t, got, sizeof got);
	return fail(ps, t->pos, "expected %s, got %s", wanted, got);
}

/* Copy a WORD's bytes into the arena as a string. */
static char *word_copy(parser *ps, const token *t)
{
	char *out = ps->l->arena + ps->arena_used;
	memcpy(out, ps->s + t->off, t->len);
	out[t->len] = '\0';
	ps->arena_used += t->len + 1;
	return out;
}

static ls_status parse_step(parser *ps, long *step)
{
	token t;
	ls_status st = next(ps, &t);
	if (st != LS_OK)
		return st;
	if (t.type != T_WORD)
		return unexpected(ps, &t, "a step number");
	long v = 0;
	for (size_t j = 0; j < t.len; j++) {
		unsigned char c = ps->s[t.off + j];
		if (c < '0' || c > '9' || v > (LS_LESSON_MAX_STEP - (c - '0')) / 10) {
			char got[WORD_SHOWN + 16];
			describe(ps, &t, got, sizeof got);
			return fail(ps, t.pos,
			            "%s is not a step number (a whole number from 0 to %ld)", got,
			            LS_LESSON_MAX_STEP);
		}
		v = 10 * v + (c - '0');
	}
	*step = v;
	return LS_OK;
}

/* A finite number from a WORD (the C locale is in force during parsing). */
static bool word_number(const parser *ps, const token *t, double *v)
{
	char buf[64];
	if (t->type != T_WORD || t->len >= sizeof buf)
		return false;
	memcpy(buf, ps->s + t->off, t->len);
	buf[t->len] = '\0';
	char *end;
	errno = 0;
	double x = strtod(buf, &end);
	if (*end || errno == ERANGE || !isfinite(x))
		return false;
	*v = x;
	return true;
}

static ls_status parse_number(parser *ps, double *v, const char *what)
{
	token t;
	ls_status st = next(ps, &t);
	if (st != LS_OK)
		return st;
	if (word_number(ps, &t, v))
		return LS_OK;
	if (t.type != T_WORD)
		return unexpected(ps, &t, what);
	char got[WORD_SHOWN + 16];
	describe(ps, &t, got, sizeof got);
	return fail(ps, t.pos, "%s is not a finite number", got);
}

/* text = STRING { STRING }: adjacent strings are joined in the arena. */
static ls_status parse_text(parser *ps, const char **out, const char *what)
{
	token t;
	ls_status st = next(ps, &t);
	if (st != LS_OK)
		return st;
	if (t.type != T_STRING)
		return unexpected(ps, &t, what);
	char *first = t.str;
	for (;;) {
		const token *p;
		st = peek(ps, &p);
		if (st != LS_OK)
			return st;
		if (p->type != T_STRING)
			break;
		st = next(ps, &t);
		if (st != LS_OK)
			return st;
		size_t a = strlen(first), b = strlen(t.str);
		memmove(first + a, t.str, b + 1);
		ps->arena_used--; /* the NUL between the two */
	}
	*out = first;
	return LS_OK;
}

/* "set" NAME VALUE, checked against the parameter table. */
static ls_status parse_set(parser *ps, const char **name, const char **value)
{
	token tn, tv;
	ls_status st = next(ps, &tn);
	if (st != LS_OK)
		return st;
	if (tn.type != T_WORD)
		return unexpected(ps, &tn, "a parameter name after 'set'");
	*name = word_copy(ps, &tn);
	if (!ls_param_find(*name))
		return fail(ps, tn.pos,
		            "unknown parameter '%.*s' (the parameters of lorascope run --help, "
		            "without --)",
		            WORD_SHOWN, *name);
	st = next(ps, &tv);
	if (st != LS_OK)
		return st;
	if (tv.type == T_WORD)
		*value = word_copy(ps, &tv);
	else if (tv.type == T_STRING)
		*value = tv.str;
	else
		return fail(ps, tv.pos, "expected a value for '%s'", *name);
	if (strchr(*value, '\n'))
		return fail(ps, tv.pos, "set %s: a value is one line", *name);
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
		return fail(ps, tv.pos, "set %s: %s", *name, cause);
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
		return ls_error_set(ps->err, LS_ENOMEM, "%s: out of memory", ps->file);
	*arr = p;
	*cap = ncap;
	return LS_OK;
}

/* A setup line: top { ";" top } [ ";" ], the first top's keyword already read into t. */
static ls_status parse_setup(parser *ps, token t)
{
	ls_lesson *l = ps->l;
	for (;;) {
		if (ps->seen_rule)
			return fail(ps, t.pos,
			            "setup lines come before the first rule (to change a parameter "
			            "during the lesson write 'at STEP: set ...')");
		ls_status st;
		if (word_is(ps, &t, "title")) {
			if (l->title)
				return fail(ps, t.pos, "a second title (a lesson has one)");
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
		st = next(ps, &t);
		if (st != LS_OK)
			return st;
		if (at_end(&t))
			return LS_OK;
		if (t.type != T_SEMI)
			return unexpected(ps, &t, "';' or the end of the line");
		st = next(ps, &t);
		if (st != LS_OK)
			return st;
		if (at_end(&t))
			return LS_OK;
		if (!word_is(ps, &t, "set") && !word_is(ps, &t, "title"))
			return unexpected(ps, &t, "'set' or 'title' after ';' on a setup line");
	}
}

static ls_status parse_cond(parser *ps, ls_lesson_cond *c)
{
	token t;
	ls_status st = next(ps, &t);
	if (st != LS_OK)
		return st;
	if (t.type != T_WORD)
		return unexpected(ps, &t, "a condition (e.g. 'loss < 0.01' or 'diverged')");
	int var = -1;
	for (int v = 0; v < LS_LESSON_VAR_COUNT; v++)
		if (word_is(ps, &t, ls_lesson_var_names[v]))
			var = v;
	if (var < 0) {
		char got[WORD_SHOWN + 16];
		describe(ps, &t, got, sizeof got);
		return fail(ps, t.pos,
		            "unknown condition %s (step, loss, grad, rank, rstar, ratio, norm, "
		            "dist, diverged)",
		            got);
	}
	c->var = (ls_lesson_var)var;
	c->op = LS_LESSON_EQ;
	c->value = 0.0;
	if (var == LS_LESSON_VAR_DIVERGED)
		return LS_OK;
	st = next(ps, &t);
	if (st != LS_OK)
		return st;
	if (t.type != T_OP) {
		char want[96];
		snprintf(want, sizeof want, "a comparison (<, <=, >, >=, ==, !=) after '%s'",
		         ls_lesson_var_names[var]);
		return unexpected(ps, &t, want);
	}
	c->op = t.op;
	return parse_number(ps, &c->value, "a number");
}

static ls_status parse_action(parser *ps)
{
	ls_lesson *l = ps->l;
	token t;
	ls_status st = next(ps, &t);
	if (st != LS_OK)
		return st;
	if (t.type != T_WORD)
		return unexpected(ps, &t, "an action (set, caption, pause, kick, reset or stop)");
	st = grow(ps, (void **)&l->actions, &ps->cap_actions, l->nactions, sizeof *l->actions);
	if (st != LS_OK)
		return st;
	ls_lesson_action *a = &l->actions[l->nactions];
	memset(a, 0, sizeof *a);
	a->pos = t.pos;
	if (word_is(ps, &t, "set")) {
		a->kind = LS_LESSON_SET;
		st = parse_set(ps, &a->name, &a->text);
	} else if (word_is(ps, &t, "caption")) {
		a->kind = LS_LESSON_CAPTION;
		st = parse_text(ps, &a->text, "a string after 'caption'");
	} else if (word_is(ps, &t, "pause")) {
		a->kind = LS_LESSON_PAUSE;
	} else if (word_is(ps, &t, "reset")) {
		a->kind = LS_LESSON_RESET;
	} else if (word_is(ps, &t, "stop")) {
		a->kind = LS_LESSON_STOP;
	} else if (word_is(ps, &t, "kick")) {
		a->kind = LS_LESSON_KICK;
		a->scale = LS_LESSON_KICK_SCALE;
		const token *p;
		st = peek(ps, &p);
		if (st == LS_OK && p->type == T_WORD) {
			ls_lesson_pos sp = p->pos;
			st = parse_number(ps, &a->scale, "a kick scale");
			if (st == LS_OK && !(a->scale > 0.0 && a->scale <= 1e6))
				st = fail(ps, sp, "kick scale %g is outside (0, 1e6]", a->scale);
		}
	} else {
		char got[WORD_SHOWN + 16];
		describe(ps, &t, got, sizeof got);
		return fail(ps, t.pos,
		            "unknown action %s (set, caption, pause, kick, reset or stop)", got);
	}
	if (st == LS_OK)
		l->nactions++;
	return st;
}

/* A rule, its first keyword ("at", "after" or "when") already read into t. */
static ls_status parse_rule(parser *ps, token t)
{
	ls_lesson *l = ps->l;
	ls_status st = grow(ps, (void **)&l->rules, &ps->cap_rules, l->nrules, sizeof *l->rules);
	if (st != LS_OK)
		return st;
	ls_lesson_rule *r = &l->rules[l->nrules];
	memset(r, 0, sizeof *r);
	r->pos = t.pos;
	ps->seen_rule = true;
	if (word_is(ps, &t, "at")) {
		st = parse_step(ps, &r->step);
	} else {
		r->is_when = true;
		if (word_is(ps, &t, "after")) {
			st = parse_step(ps, &r->step);
			if (st == LS_OK)
				st = next(ps, &t);
			if (st == LS_OK && !word_is(ps, &t, "when"))
				st = unexpected(ps, &t, "'when' after 'after STEP'");
		}
		for (bool more = true; st == LS_OK && more;) {
			if (r->ncond == LS_LESSON_MAX_CONDS) {
				const token *p;
				st = peek(ps, &p);
				if (st == LS_OK)
					st = fail(ps, p->pos, "more than %d conditions in one rule",
					          LS_LESSON_MAX_CONDS);
				break;
			}
			st = parse_cond(ps, &r->cond[r->ncond]);
			if (st != LS_OK)
				break;
			r->ncond++;
			const token *p;
			st = peek(ps, &p);
			more = st == LS_OK && word_is(ps, p, "and");
			if (more)
				st = next(ps, &t);
		}
	}
	if (st != LS_OK)
		return st;
	st = next(ps, &t);
	if (st != LS_OK)
		return st;
	if (t.type != T_COLON)
		return unexpected(ps, &t, r->is_when ? "'and' or ':'" : "':' after the step");
	r->first = l->nactions;
	for (;;) {
		st = parse_action(ps);
		if (st != LS_OK)
			return st;
		st = next(ps, &t);
		if (st != LS_OK)
			return st;
		if (at_end(&t))
			break;
		if (t.type != T_SEMI)
			return unexpected(ps, &t, "';' or the end of the line after an action");
		const token *p;
		st = peek(ps, &p);
		if (st != LS_OK)
			return st;
		if (at_end(p)) {
			st = next(ps, &t);
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
	token t;
	ls_status st = next(ps, &t);
	if (st != LS_OK)
		return st;
	*eof = t.type == T_EOF;
	if (at_end(&t))
		return LS_OK;
	if (word_is(ps, &t, "set") || word_is(ps, &t, "title"))
		return parse_setup(ps, t);
	if (word_is(ps, &t, "at") || word_is(ps, &t, "after") || word_is(ps, &t, "when"))
		st = parse_rule(ps, t);
	else
		st = unexpected(ps, &t, "'set', 'title', 'at', 'after' or 'when'");
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
		return fail(ps, l->setup[l->nsetup - 1].pos,
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
	parser ps = {.file = file,
	             .s = (const unsigned char *)text,
	             .len = len,
	             .line = 1,
	             .col = 1,
	             .l = l,
	             .arena_used = flen + 1,
	             .err = err};
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		ps.i = 3; /* a UTF-8 byte-order mark */
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
