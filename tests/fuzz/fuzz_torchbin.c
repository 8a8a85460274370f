/* fuzz_torchbin.c — libFuzzer harness for the adapter_model.bin reader. The first byte picks
 * the layer: even, the rest is a whole archive (libzip, byteorder, storages, strides, then
 * every tensor converted to a matrix); odd, the rest is a data.pkl for the restricted
 * pickle reader alone (inside an archive, mutations would mostly fail the zip's CRC). */
#include <stddef.h>
#include <stdint.h>

#include "lorascope/torchbin.h"
#include "torchpickle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	ls_error err;
	if (data[0] & 1) {
		ls_tp_tensor *t;
		size_t n;
		if (ls_tp_parse(data + 1, size - 1, "fuzz.bin", &t, &n, &err) == LS_OK)
			ls_tp_free(t, n);
		return 0;
	}
	ls_safetensors st;
	if (ls_tb_parse(&st, data + 1, size - 1, "fuzz.bin", &err) == LS_OK) {
		for (size_t i = 0; i < st.count; i++) {
			ls_mat M;
			if (ls_st_tensor_matrix(&st, &st.tensors[i], true, &M, &err) == LS_OK)
				ls_mat_free(&M);
		}
	}
	ls_st_close(&st);
	return 0;
}
