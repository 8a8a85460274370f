/* fuzz_trainer_state.c — libFuzzer harness for the trainer_state.json reader (the curves of
 * `lorascope watch`): the input is the file's text; when it parses, every row is read. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "lorascope/watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ls_watch_curves c = { 0 };
	ls_error err;
	if (ls_trainer_state_parse(&c, (const char *)data, size, "fuzz.json", &err) == LS_OK) {
		volatile double sum = 0;
		for (size_t i = 0; i < c.n; i++)
			sum += c.step[i] + c.epoch[i] + c.loss[i] + c.eval_loss[i] +
			       c.grad_norm[i] + c.learning_rate[i];
		(void)sum;
	}
	ls_watch_curves_free(&c);
	return 0;
}
