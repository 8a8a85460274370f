/* status.h — status codes and the error struct every library call fills.
 *
 * One X-macro list (LS_STATUS_LIST) generates the enum and ls_strerror().
 * Library functions never print, exit or abort: they return an ls_status and,
 * when given a non-NULL ls_error, write a one-line message naming the file,
 * option or field and the cause. Front-ends print it and choose exit codes. */
#ifndef LORASCOPE_STATUS_H
#define LORASCOPE_STATUS_H

#include <stddef.h>

#define LS_STATUS_LIST(X)                   \
	X(LS_OK, "success")                 \
	X(LS_ENOMEM, "out of memory")       \
	X(LS_EINVAL, "invalid argument")    \
	X(LS_EDIM, "dimension mismatch")    \
	X(LS_ERANGE, "value out of range")  \
	X(LS_EIO, "input/output error")     \
	X(LS_EFORMAT, "bad file format")    \
	X(LS_ETOOBIG, "too large")          \
	X(LS_ENUMERIC, "numerical failure") \
	X(LS_EUNSUPPORTED, "not supported")

typedef enum {
#define LS_STATUS_ENUM(id, text) id,
	LS_STATUS_LIST(LS_STATUS_ENUM)
#undef LS_STATUS_ENUM
		LS_STATUS_COUNT
} ls_status;

#define LS_ERROR_MSG_MAX 512

typedef struct {
	ls_status code;
	char msg[LS_ERROR_MSG_MAX];
} ls_error;

/* The fixed text of a status code ("out of memory"). Never NULL. */
const char *ls_strerror(ls_status code);

/* Record code and a printf-style message in err (when err is not NULL) and
 * return code, so callers can write `return ls_error_set(err, LS_EINVAL, ...)`. The message
 * goes through ls_text_printable: names read from files cannot break its one line or send
 * escape sequences to a terminal. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
ls_status
ls_error_set(ls_error *err, ls_status code, const char *fmt, ...);

/* Clear err to LS_OK with an empty message. */
void ls_error_clear(ls_error *err);

/* Copy text from a file (a tensor or module name, a string value) into out[0..cap) as it may
 * be shown: valid UTF-8 is kept, every control character (C0, DEL, C1) and every byte that
 * is not valid UTF-8 becomes "\xNN". Always NUL-terminates (cap > 0), cutting at a whole
 * character or escape; returns out. The one sanitiser of untrusted text for messages,
 * tables and screens. */
char *ls_text_printable(char *out, size_t cap, const char *text);

#endif
