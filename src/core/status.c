/* status.c — ls_strerror() and the error struct helpers. */
#include <stdarg.h>
#include <stdio.h>

#include "lorascope/status.h"

static const char *const status_text[] = {
#define LS_STATUS_TEXT(id, text) [id] = text,
	LS_STATUS_LIST(LS_STATUS_TEXT)
#undef LS_STATUS_TEXT
};

const char *ls_strerror(ls_status code)
{
	if ((int)code < 0 || code >= LS_STATUS_COUNT)
		return "unknown status";
	return status_text[code];
}

ls_status ls_error_set(ls_error *err, ls_status code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

void ls_error_clear(ls_error *err)
{
	if (err) {
		err->code = LS_OK;
		err->msg[0] = '\0';
	}
}
