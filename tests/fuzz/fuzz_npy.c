/* fuzz_npy.c — libFuzzer harness for the .npy reader (ls_npy_parse on arbitrary bytes). */
#include <stddef.h>
#include <stdint.h>

#include "lorascope/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ls_mat M;
	ls_error err;
	if (ls_npy_parse(data, size, "fuzz.npy", &M, &err) == LS_OK)
		ls_mat_free(&M);
	return 0;
}
