/* fuzz_adapter.c — libFuzzer harness for the PEFT adapter reader. The input is
 * [2-byte little-endian length L][L bytes of adapter_config.json][a safetensors image]:
 * the config is parsed (and r, lora_alpha resolved for a few module names through
 * rank_pattern/alpha_pattern); when the image parses, the modules are paired, measured
 * and flagged with that config (or none, when it did not parse). */
#include <stddef.h>
#include <stdint.h>

#include "lorascope/adapter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"distilbert.transformer.layer.0.attention.q_lin",
		"model.layers.11.self_attn.v_proj",
		"q_lin",
		"",
	};
	if (size < 2)
		return 0;
	size_t clen = (size_t)data[0] | (size_t)data[1] << 8;
	if (clen > size - 2)
		clen = size - 2;
	ls_adapter_config cfg;
	ls_error err;
	bool have_cfg = ls_adapter_config_parse(&cfg, (const char *)data + 2, clen, "fuzz.json",
						&err) == LS_OK;
	if (have_cfg)
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			double r, alpha;
			ls_adapter_config_lookup(&cfg, names[i], &r, &alpha);
		}
	ls_safetensors st;
	if (ls_st_parse(&st, data + 2 + clen, size - 2 - clen, "fuzz.safetensors", &err) == LS_OK) {
		ls_adapter ad;
		if (ls_adapter_build(&ad, &st, have_cfg ? &cfg : NULL, false, &err) == LS_OK)
			ls_adapter_free(&ad);
	}
	ls_st_close(&st);
	if (have_cfg)
		ls_adapter_config_free(&cfg);
	return 0;
}
