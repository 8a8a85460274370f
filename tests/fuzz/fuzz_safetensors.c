/* fuzz_safetensors.c — libFuzzer harness for the .safetensors reader: parse the header and
 * layout, then convert every tensor (flattened) to a matrix. */
#include <stddef.h>
#include <stdint.h>

#include "lorascope/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ls_safetensors st;
	ls_error err;
	if (ls_st_parse(&st, data, size, "fuzz.safetensors", &err) == LS_OK) {
		for (size_t i = 0; i < st.count; i++) {
			ls_mat M;
			if (ls_st_tensor_matrix(&st, &st.tensors[i], true, &M, &err) == LS_OK)
				ls_mat_free(&M);
		}
		(void)ls_st_meta(&st, "format");
		(void)ls_st_find(&st, "a");
	}
	ls_st_close(&st);
	return 0;
}
