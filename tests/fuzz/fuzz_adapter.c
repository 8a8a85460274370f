/* fuzz_adapter.c — libFuzzer harness for the PEFT adapter_config.json reader: parse, then
 * resolve r and lora_alpha of a few module names through rank_pattern/alpha_pattern. */
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
	ls_adapter_config cfg;
	ls_error err;
	if (ls_adapter_config_parse(&cfg, (const char *)data, size, "fuzz.json", &err) == LS_OK) {
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			double r, alpha;
			ls_adapter_config_lookup(&cfg, names[i], &r, &alpha);
		}
		ls_adapter_config_free(&cfg);
	}
	return 0;
}
