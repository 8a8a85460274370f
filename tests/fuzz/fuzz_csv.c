/* fuzz_csv.c — libFuzzer harness for the CSV/TSV reader (delimiter detected) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lorascope/csvmat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The text readers want a NUL after the text, as ls_file_read_text gives them. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ls_mat M;
	ls_error err;
	if (ls_csv_parse(text, size, 0, "fuzz.csv", &M, &err) == LS_OK)
		ls_mat_free(&M);
	free(text);
	return 0;
}
