/* status.c — ls_strerror(), the error struct helpers and the sanitiser of untrusted text. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
		char raw[LS_ERROR_MSG_MAX];
		va_start(ap, fmt);
		vsnprintf(raw, sizeof raw, fmt, ap);
		va_end(ap);
		ls_text_printable(err->msg, sizeof err->msg, raw);
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

/* Length of the valid UTF-8 sequence at p (1–4), or 0 when the bytes there are not one
 * (overlong forms, surrogates and code points above U+10FFFF are not valid). */
static size_t utf8_len(const unsigned char *p)
{
	uint32_t c;
	size_t n;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2, c = p[0] & 0x1Fu;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3, c = p[0] & 0x0Fu;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4, c = p[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3Fu);
	}
	static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (c < least[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	/* C1 controls (U+0080–U+009F) act as escapes on some terminals. */
	return c >= 0x80 && c <= 0x9F ? 0 : n;
}

char *ls_text_printable(char *out, size_t cap, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t o = 0;
	while (*p) {
		size_t n = utf8_len(p);
		bool keep = n > 1 || (n == 1 && *p >= 0x20 && *p != 0x7F);
		size_t need = keep ? n : 4;
		if (o + need >= cap)
			break;
		if (keep) {
			memcpy(out + o, p, n);
		} else {
			snprintf(out + o, 5, "\\x%02X", *p);
			n = 1;
		}
		o += need;
		p += n;
	}
	out[o] = '\0';
	return out;
}
