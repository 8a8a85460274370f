/* lesson_parse.h — the parser of lesson files (the language is in lesson.h): text or a file
 * → ls_lesson, and a lesson's setup lines → a config. */
#ifndef LORASCOPE_LESSON_PARSE_H
#define LORASCOPE_LESSON_PARSE_H

#include <stddef.h>

#include "lorascope/config.h"
#include "lorascope/lesson.h"
#include "lorascope/status.h"

/* Largest lesson file read. */
#define LS_LESSON_MAX_BYTES ((size_t)1 << 20)

/* Parse text[0 .. len-1] (any bytes; no NUL terminator needed) into a new lesson *out, named
 * file in messages. Values of "set" are checked with ls_config_set on a scratch config, and
 * the setup lines applied to the defaults with ls_config_check. On error *out is NULL and
 * err holds "FILE:LINE:COL: message" (LS_EFORMAT, or LS_ENOMEM / LS_ETOOBIG). */
ls_status ls_lesson_parse(const char *file, const char *text, size_t len, ls_lesson **out,
			  ls_error *err);
/* Read and parse the file at path (at most LS_LESSON_MAX_BYTES). */
ls_status ls_lesson_load(const char *path, ls_lesson **out, ls_error *err);
void ls_lesson_free(ls_lesson *l);

/* Apply the lesson's setup lines to cfg, in order (before ls_session_create; the caller
 * decides whether command-line options come before or after, and runs ls_config_check). */
ls_status ls_lesson_configure(const ls_lesson *l, ls_config *cfg, ls_error *err);

#endif
