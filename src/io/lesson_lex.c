/* lesson_lex.c — the lexer of the lesson language (include/lorascope/lesson.h): blanks,
 * comments and backslash-newline continuations skipped; words, strings (escapes decoded
 * into the caller's arena, UTF-8 checked), operators and punctuation, each with its line and
 * column (columns count characters); one token of lookahead; "FILE:LINE:COL: message"
 * errors. Private to src/io/lesson.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_lex.h"

void ls_lex_init(ls_lexer *lx, const char *file, const char *text, size_t len, char *arena,
		 size_t arena_used, ls_error *err)
{
	*lx = (ls_lexer){ .file = file,
			  .s = (const unsigned char *)text,
			  .len = len,
			  .line = 1,
			  .col = 1,
			  .arena = arena,
			  .arena_used = arena_used,
			  .err = err };
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		lx->i = 3; /* a UTF-8 byte-order mark */
}

ls_status ls_lex_fail(ls_lexer *lx, ls_lesson_pos pos, const char *fmt, ...)
{
	char msg[LS_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ls_error_set(lx->err, LS_EFORMAT, "%s:%zu:%zu: %s", lx->file, pos.line, pos.col,
			    msg);
}

static ls_lesson_pos here(const ls_lexer *lx)
{
	return (ls_lesson_pos){ lx->line, lx->col };
}

static void advance(ls_lexer *lx)
{
	unsigned char c = lx->s[lx->i++];
	if (c == '\n') {
		lx->line++;
		lx->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		lx->col++;
	}
}

static int peekc(const ls_lexer *lx, size_t ahead)
{
	return lx->i + ahead < lx->len ? lx->s[lx->i + ahead] : -1;
}

static bool is_word_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '+' || c == '-';
}

/* Skip blanks, comments and backslash-newline continuations. */
static void skip_blank(ls_lexer *lx)
{
	for (;;) {
		int c = peekc(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r') {
			advance(lx);
		} else if (c == '#') {
			while (peekc(lx, 0) != -1 && peekc(lx, 0) != '\n')
				advance(lx);
		} else if (c == '\\') {
			size_t k = 1;
			while (peekc(lx, k) == ' ' || peekc(lx, k) == '\t' || peekc(lx, k) == '\r')
				k++;
			if (peekc(lx, k) != '\n')
				return;
			for (size_t j = 0; j <= k; j++)
				advance(lx);
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
static ls_status lex_string(ls_lexer *lx, ls_token *t)
{
	advance(lx); /* the opening quote */
	char *out = lx->arena + lx->arena_used;
	size_t n = 0;
	for (;;) {
		int c = peekc(lx, 0);
		ls_lesson_pos p = here(lx);
		if (c == -1 || c == '\n')
			return ls_lex_fail(lx, t->pos,
					   "unterminated string (a string ends on its line)");
		if (c == '"') {
			advance(lx);
			break;
		}
		if (c == '\\') {
			int e = peekc(lx, 1);
			char d = e == '"' ? '"' : e == '\\' ? '\\' : e == 'n' ? '\n' : 0;
			if (!d)
				return ls_lex_fail(
					lx, p,
					"unknown escape in a string (use \\\", \\\\ or \\n)");
			advance(lx);
			advance(lx);
			out[n++] = d;
			continue;
		}
		if (c < 0x20 || c == 0x7F)
			return ls_lex_fail(lx, p, "control character 0x%02X in a string",
					   (unsigned)c);
		size_t k = utf8_len(lx->s + lx->i, lx->len - lx->i);
		if (k == 0)
			return ls_lex_fail(lx, p, "invalid UTF-8 in a string");
		for (size_t j = 0; j < k; j++) {
			out[n++] = (char)lx->s[lx->i];
			advance(lx);
		}
	}
	out[n] = '\0';
	lx->arena_used += n + 1;
	t->str = out;
	return LS_OK;
}

static ls_status lex_token(ls_lexer *lx, ls_token *t)
{
	skip_blank(lx);
	memset(t, 0, sizeof *t);
	t->pos = here(lx);
	int c = peekc(lx, 0);
	if (c == -1) {
		t->type = LS_TOK_EOF;
		return LS_OK;
	}
	if (c == '\n') {
		advance(lx);
		t->type = LS_TOK_EOL;
		return LS_OK;
	}
	if (c == ':' || c == ';') {
		advance(lx);
		t->type = c == ':' ? LS_TOK_COLON : LS_TOK_SEMI;
		return LS_OK;
	}
	if (c == '<' || c == '>' || c == '=' || c == '!') {
		bool eq = peekc(lx, 1) == '=';
		if ((c == '=' || c == '!') && !eq)
			return ls_lex_fail(lx, t->pos,
					   "'%c' is not an operator (use ==, !=, <, <=, > or >=)",
					   c);
		advance(lx);
		if (eq)
			advance(lx);
		t->type = LS_TOK_OP;
		t->op = c == '<'   ? (eq ? LS_LESSON_LE : LS_LESSON_LT)
			: c == '>' ? (eq ? LS_LESSON_GE : LS_LESSON_GT)
			: c == '=' ? LS_LESSON_EQ
				   : LS_LESSON_NE;
		return LS_OK;
	}
	if (c == '"') {
		t->type = LS_TOK_STRING;
		return lex_string(lx, t);
	}
	if (is_word_char(c)) {
		t->type = LS_TOK_WORD;
		t->off = lx->i;
		while (is_word_char(peekc(lx, 0)))
			advance(lx);
		t->len = lx->i - t->off;
		return LS_OK;
	}
	if (c == 0)
		return ls_lex_fail(lx, t->pos, "NUL byte");
	if (c > 0x20 && c < 0x7F)
		return ls_lex_fail(lx, t->pos, "unexpected character '%c'", c);
	return ls_lex_fail(lx, t->pos, "unexpected byte 0x%02X (outside a string)", (unsigned)c);
}

/* The next token, consumed. */
ls_status ls_lex_next(ls_lexer *lx, ls_token *t)
{
	if (lx->have_tok) {
		lx->have_tok = false;
		*t = lx->tok;
		return LS_OK;
	}
	return lex_token(lx, t);
}

/* The next token, left in place. */
ls_status ls_lex_peek(ls_lexer *lx, const ls_token **t)
{
	if (!lx->have_tok) {
		ls_status st = lex_token(lx, &lx->tok);
		if (st != LS_OK)
			return st;
		lx->have_tok = true;
	}
	*t = &lx->tok;
	return LS_OK;
}

bool ls_lex_word_is(const ls_lexer *lx, const ls_token *t, const char *w)
{
	return t->type == LS_TOK_WORD && t->len == strlen(w) &&
	       memcmp(lx->s + t->off, w, t->len) == 0;
}

/* A short description of a token for messages. */
void ls_lex_describe(const ls_lexer *lx, const ls_token *t, char *buf, size_t len)
{
	switch (t->type) {
	case LS_TOK_EOF:
		snprintf(buf, len, "the end of the file");
		break;
	case LS_TOK_EOL:
		snprintf(buf, len, "the end of the line");
		break;
	case LS_TOK_WORD:
		snprintf(buf, len, "'%.*s%s'",
			 (int)(t->len < LS_LEX_WORD_SHOWN ? t->len : LS_LEX_WORD_SHOWN),
			 (const char *)lx->s + t->off, t->len > LS_LEX_WORD_SHOWN ? "..." : "");
		break;
	case LS_TOK_STRING:
		snprintf(buf, len, "a string");
		break;
	case LS_TOK_COLON:
		snprintf(buf, len, "':'");
		break;
	case LS_TOK_SEMI:
		snprintf(buf, len, "';'");
		break;
	case LS_TOK_OP:
		snprintf(buf, len, "an operator");
		break;
	}
}

ls_status ls_lex_unexpected(ls_lexer *lx, const ls_token *t, const char *wanted)
{
	char got[LS_LEX_WORD_SHOWN + 16];
	ls_lex_describe(lx, t, got, sizeof got);
	return ls_lex_fail(lx, t->pos, "expected %s, got %s", wanted, got);
}

/* Copy a WORD's bytes into the arena as a string. */
char *ls_lex_word_copy(ls_lexer *lx, const ls_token *t)
{
	char *out = lx->arena + lx->arena_used;
	memcpy(out, lx->s + t->off, t->len);
	out[t->len] = '\0';
	lx->arena_used += t->len + 1;
	return out;
}

/* A finite number from a WORD (the C locale is in force during parsing). */
bool ls_lex_number(const ls_lexer *lx, const ls_token *t, double *v)
{
	char buf[64];
	if (t->type != LS_TOK_WORD || t->len >= sizeof buf)
		return false;
	memcpy(buf, lx->s + t->off, t->len);
	buf[t->len] = '\0';
	char *end;
	errno = 0;
	double x = strtod(buf, &end);
	if (*end || errno == ERANGE || !isfinite(x))
		return false;
	*v = x;
	return true;
}
