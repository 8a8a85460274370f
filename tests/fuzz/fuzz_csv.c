/* fuzz_csv.c — libFuzzer harness for the CSV/TSV reader on arbitrary bytes: the first byte picks
 * the delimiter (detected, comma, semicolon, tab or blanks), the rest is the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/csvmat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = { 0, ',', ';', '\t', ' ' };
	if (size == 0)
		return 0;
	char delim = delims[data[0] % sizeof delims];
	data++, size--;
	/* The text readers want a NUL after the text, as ls_file_read_text gives them. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ls_mat M;
	ls_error err;
	if (ls_csv_parse(text, size, delim, "fuzz.csv", &M, &err) == LS_OK)
		ls_mat_free(&M);
	free(text);
	return 0;
}
