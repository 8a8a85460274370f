/* opts.h — the option engine of every command (run, the TUI, replay, inspect).
 *
 * A command describes its options in one const table of ls_opt rows; from it come the
 * defaults (ls_opts_defaults), the parser (ls_opts_parse), the setter the TUI's defaults file
 * uses (ls_opts_store) and --help (ls_opts_help). The run parameters are rows made from
 * LS_PARAM_LIST by LS_OPT_PARAM_ROW, so every command that takes them lists and parses them
 * the same way. No printing here but --help on the caller's stream: errors come back as a
 * status and a one-line message naming the option ("--lr: missing value (before --steps)"),
 * which the command prefixes with its name. */
#ifndef LORASCOPE_OPTS_H
#define LORASCOPE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lorascope/config.h"
#include "lorascope/status.h"

/* What a row stores at offset in the command's target struct: FLAG a bool (set by --name,
 * no value), INT a long and REAL a double (within [lo, hi]), CHOICE an int (the index in
 * choices), TEXT a const char * (the argv string itself; NULL when not given), CALL nothing
 * (its call does the work). */
typedef enum {
	LS_OPT_FLAG,
	LS_OPT_INT,
	LS_OPT_REAL,
	LS_OPT_CHOICE,
	LS_OPT_TEXT,
	LS_OPT_CALL
} ls_opt_kind;

typedef struct ls_opt ls_opt;
/* Apply value (NULL for a FLAG given on the command line) of option o to target; on a refusal
 * a non-OK status and a message in err that names the option. */
typedef ls_status (*ls_opt_call)(void *target, const ls_opt *o, const char *value, ls_error *err);

struct ls_opt {
	/* --name, and -c as well when short_name is not 0. */
	const char *name;
	char short_name;
	/* FLAG takes no value on the command line; every other kind takes one. */
	ls_opt_kind kind;
	/* The value's name in --help ("VALUE", "FILE", "MS"). */
	const char *arg;
	/* --help prints "group:" above the first row of each run of rows of one group. */
	const char *group;
	/* The default: stored by ls_opts_defaults (INT, REAL, CHOICE) and shown by --help as
	 * "[default: X]" ("" as "none"); NULL: none shown. */
	const char *def;
	/* One sentence, word-wrapped by --help. */
	const char *help;
	/* INT and REAL: the accepted range. */
	double lo, hi;
	/* CHOICE (and parameter rows): the NULL-terminated names, listed by --help. */
	const char *const *choices;
	/* Where the value is stored in the target (a CALL may use it to find its field). */
	size_t offset;
	/* CALL: the setter; other kinds: NULL, or a hook run after the value is stored. */
	ls_opt_call call;
	/* Rows of LS_OPT_PARAM_ROW: the ls_param_id. */
	int param;
	/* Also a setting of the TUI's defaults file (userconfig.h). */
	bool in_file;
};

/* A row for the LS_PARAM_LIST entry in the remaining arguments, set through call (which
 * finds the parameter as o->param or o->name): use as
 *   #define MY_PARAM_ROW(...) LS_OPT_PARAM_ROW(my_call, __VA_ARGS__)
 *   LS_PARAM_LIST(MY_PARAM_ROW) */
#define LS_OPT_ARG_INT "VALUE"
#define LS_OPT_ARG_REAL "VALUE"
#define LS_OPT_ARG_SEED "VALUE"
#define LS_OPT_ARG_CHOICE "VALUE"
#define LS_OPT_ARG_TEXT "FILE"
#define LS_OPT_PARAM_ROW(pcall, field, pname, ptype, pgroup, pdef, papply, plo, phi, pchoices, \
			 phelp)                                                                \
	{ .name = pname,                                                                       \
	  .kind = LS_OPT_CALL,                                                                 \
	  .arg = LS_OPT_ARG_##ptype,                                                           \
	  .group = pgroup,                                                                     \
	  .def = pdef,                                                                         \
	  .help = phelp,                                                                       \
	  .choices = pchoices,                                                                 \
	  .call = pcall,                                                                       \
	  .param = LS_PARAM_##field },
/* The --help row of every command (-h as well), a bool field of type (no comma after it). */
#define LS_OPT_HELP_ROW(type, field, pgroup)                                             \
	{                                                                                \
		.name = "help", .short_name = 'h', .kind = LS_OPT_FLAG, .group = pgroup, \
		.help = "print this help and exit", .offset = offsetof(type, field)      \
	}

/* The --max-memory row (every command that reads or builds matrices): a CALL that sets the
 * memory guard of mat.h (ls_mem_set_limit) from SIZE = a number of bytes with an optional
 * K, M, G or T (powers of 1024; "1G", "512M", "1.5G"). */
ls_status ls_opts_max_memory(void *target, const ls_opt *o, const char *value, ls_error *err);
#define LS_OPT_MAX_MEMORY_ROW(pgroup)                                                          \
	{                                                                                      \
		.name = "max-memory", .kind = LS_OPT_CALL, .arg = "SIZE", .group = pgroup,     \
		.help = "refuse, before allocating it, any matrix larger than SIZE bytes (K, " \
			"M, G, T: powers of 1024; default: the memory available)",             \
		.call = ls_opts_max_memory                                                     \
	}

typedef struct {
	const ls_opt *opts;
	size_t nopts;
	size_t max_args;   /* positional arguments accepted (the TRACE of replay): 0 none */
	const char *usage; /* --help before the options: usage lines, what the command does */
	const char *tail;  /* --help after them (a blank line first), or NULL */
} ls_opts_spec;

/* --help's layout: option column from 2, help from HELP_COL, no line past HELP_WIDTH. */
#define LS_OPTS_HELP_COL 27
#define LS_OPTS_HELP_WIDTH 79

/* Store every row's default in target: FLAG false, TEXT NULL, INT/REAL/CHOICE def parsed
 * (a def the row refuses is an error of the table: its message in err). CALL rows are left
 * alone, and so is the rest of target. */
ls_status ls_opts_defaults(const ls_opts_spec *spec, void *target, ls_error *err);
/* The row called name (without "--"), or NULL. */
const ls_opt *ls_opts_find(const ls_opts_spec *spec, const char *name);
/* Apply value to row o of target as the command line does, except that a FLAG takes a value
 * (NULL, true/yes/1 or false/no/0; the defaults file's form). */
ls_status ls_opts_store(const ls_opt *o, void *target, const char *value, ls_error *err);
/* Parse argv[1 .. argc): --name VALUE, --name=VALUE, --flag, -c (short_name), "--" (the rest
 * are arguments) and positional arguments (in order into args[0 .. *nargs), at most
 * spec->max_args), applying each option to target in order; an option may be repeated (each
 * one is applied: the last value wins, a CALL sees them all). A value is the next argument
 * unless that starts with "--" (then "missing value (before --next)"). Stops at the first
 * error: LS_EINVAL with "--foo: unknown option (see --help)", "--foo: missing value",
 * "--flag: takes no value", "unexpected argument 'x' (see --help)" or the row's own message. */
ls_status ls_opts_parse(const ls_opts_spec *spec, int argc, char **argv, void *target,
			const char **args, size_t *nargs, ls_error *err);
/* Write --help: spec->usage, then each row ("  --name ARG" and its help, choices and default
 * word-wrapped from LS_OPTS_HELP_COL within LS_OPTS_HELP_WIDTH columns) under its group's
 * heading, then spec->tail. */
void ls_opts_help(const ls_opts_spec *spec, FILE *out);

#endif
