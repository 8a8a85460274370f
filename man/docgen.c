/* docgen.c — prints the man page's PARAMETERS section (roff) from LS_PARAM_LIST, so the
 * manual cannot drift from the parameter table (`make man-update` pastes it in,
 * tests/e2e/man_check.sh compares). */
#include <stdio.h>
#include <string.h>

#include "lorascope/config.h"

/* roff: a leading '.' or '\'' would start a request, '\' starts an escape, '-' in
 * option names must be \- to stay a hyphen-minus. */
static void roff_text(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

int main(void)
{
	const char *group = "";
	puts(".SS Parameters");
	puts("Every parameter is an option of the TUI and of \\fBrun\\fR, a key of the config "
	     "file,");
	puts("a \\fBset\\fR target of a lesson and a line of the trace and snapshot headers.");
	for (size_t i = 0; i < LS_PARAM_COUNT; i++) {
		const ls_param_info *p = &ls_params[i];
		if (strcmp(p->group, group) != 0) {
			group = p->group;
			printf(".PP\n\\fI%s\\fR\n", group);
		}
		printf(".TP\n.BI \\-\\-");
		roff_text(p->name);
		printf(" \" %s\"\n", p->type == LS_P_CHOICE ? "NAME"
				     : p->type == LS_P_REAL ? "X"
				     : p->type == LS_P_TEXT ? "FILE"
							    : "N");
		roff_text(p->help);
		if (p->choices) {
			fputs(": ", stdout);
			for (size_t c = 0; p->choices[c]; c++) {
				printf("%s\\fB", c ? ", " : "");
				roff_text(p->choices[c]);
				fputs("\\fR", stdout);
			}
		}
		if (p->type != LS_P_TEXT) { /* a file: none unless given */
			fputs(". Default: ", stdout);
			roff_text(p->def);
		}
		fputs(". A change while running ", stdout);
		roff_text(ls_param_apply_help[p->apply]);
		puts(".");
	}
	return 0;
}
