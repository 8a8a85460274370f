/* lesson_lex.h — private to the lesson parser (src/io/lesson.c): the tokens of the lesson
 * language and the lexer that produces them (src/io/lesson_lex.c). */
#ifndef LORASCOPE_LESSON_LEX_H
#define LORASCOPE_LESSON_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/lesson.h"
#include "lorascope/status.h"

/* Longest word quoted in full in a message (longer ones end in "..."). */
#define LS_LEX_WORD_SHOWN 40

typedef enum {
	LS_TOK_EOF,
	LS_TOK_EOL,
	LS_TOK_WORD,
	LS_TOK_STRING,
	LS_TOK_COLON,
	LS_TOK_SEMI,
	LS_TOK_OP
} ls_tok_type;

typedef struct {
	ls_tok_type type;
	ls_lesson_pos pos;
	size_t off, len; /* WORD: its bytes in the source */
	ls_lesson_op op; /* OP */
	char *str;       /* STRING: decoded, in the arena */
} ls_token;

typedef struct {
	const char *file;
	const unsigned char *s;
	size_t len, i;
	size_t line, col;  /* position of s[i] */
	char *arena;       /* decoded strings and copied words go to arena + arena_used */
	size_t arena_used; /* the caller sizes the arena: 2·len bytes always suffice */
	ls_token tok;
	bool have_tok; /* tok is a lookahead not yet consumed */
	ls_error *err;
} ls_lexer;

/* Start at the beginning of text[0 .. len-1] (after a UTF-8 byte-order mark), line 1. */
void ls_lex_init(ls_lexer *lx, const char *file, const char *text, size_t len, char *arena,
		 size_t arena_used, ls_error *err);
/* Fill err with "FILE:LINE:COL: message" at pos; returns LS_EFORMAT. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
ls_status
ls_lex_fail(ls_lexer *lx, ls_lesson_pos pos, const char *fmt, ...);
/* The next token, consumed; at the end of the input, LS_TOK_EOF again and again. */
ls_status ls_lex_next(ls_lexer *lx, ls_token *t);
/* The next token, left in place. */
ls_status ls_lex_peek(ls_lexer *lx, const ls_token **t);
/* t is the WORD w. */
bool ls_lex_word_is(const ls_lexer *lx, const ls_token *t, const char *w);
/* A short description of t for messages ("'word'", "the end of the line", ...). */
void ls_lex_describe(const ls_lexer *lx, const ls_token *t, char *buf, size_t len);
/* "expected WANTED, got <t>" at t. */
ls_status ls_lex_unexpected(ls_lexer *lx, const ls_token *t, const char *wanted);
/* A WORD's bytes copied into the arena as a string. */
char *ls_lex_word_copy(ls_lexer *lx, const ls_token *t);
/* A WORD that is a finite number in the current (C) numeric locale. */
bool ls_lex_number(const ls_lexer *lx, const ls_token *t, double *v);

#endif
