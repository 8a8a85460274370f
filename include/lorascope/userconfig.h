/* userconfig.h — the user's defaults file, read by the TUI at start.
 *
 * The file is $XDG_CONFIG_HOME/lorascope/config, or ~/.config/lorascope/config when
 * XDG_CONFIG_HOME is unset or empty. Each line is one of
 *     # a comment                     (also after a value, when '#' follows a blank)
 *     NAME = VALUE                    any --NAME of the parameter table or of a front-end
 *     key KEY = ACTION                a key binding (the front-end's KEY=ACTION syntax)
 * with blanks around the tokens ignored. The reader is table-free: it hands every
 * NAME, VALUE pair to the front-end's setter (which looks NAME up in LS_PARAM_LIST and in
 * its own option table) and reports each line the setter refuses or that has no '=' as
 * "FILE:LINE: message", then goes on: a bad line is never fatal. */
#ifndef LORASCOPE_USERCONFIG_H
#define LORASCOPE_USERCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "lorascope/status.h"

/* Largest defaults file read. */
#define LS_USERCONFIG_MAX_BYTES ((size_t)1 << 16)

typedef struct {
	/* Apply one setting ("key" with value "KEY=ACTION" for a binding); refuse it with
	 * a non-OK status and a message in err. */
	ls_status (*set)(void *ctx, const char *name, const char *value, ls_error *err);
	/* A line that was not applied: "FILE:LINE: message". */
	void (*bad)(void *ctx, const char *msg);
	void *ctx;
} ls_userconfig_sink;

/* The defaults file's path into buf (from XDG_CONFIG_HOME, else HOME); false when
 * neither is set or the path does not fit. */
bool ls_userconfig_path(char *buf, size_t len);
/* Read text[0 .. len-1] (named file in messages) line by line into sink; *nbad counts the
 * lines reported as bad. Always LS_OK: bad lines are reported, not returned. */
void ls_userconfig_parse(const char *file, const char *text, size_t len,
			 const ls_userconfig_sink *sink, size_t *nbad);
/* Read the file at path the same way. A missing file is no error (nothing happens); an
 * unreadable or too large one is (LS_EIO / LS_ETOOBIG, message naming it). */
ls_status ls_userconfig_load(const char *path, const ls_userconfig_sink *sink, size_t *nbad,
			     ls_error *err);

#endif
