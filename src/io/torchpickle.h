/* torchpickle.h — the restricted reader of the data.pkl that torch.save writes for a state
 * dict (pickle protocol 2): a dict or collections.OrderedDict from names to tensors, each
 * rebuilt by torch._utils._rebuild_tensor_v2 (or _rebuild_parameter) from a storage that a
 * persistent id ('storage', torch.<Type>Storage, key, location, numel) names.
 *
 * Nothing is called: the reader knows those few opcodes and globals and builds plain records;
 * any other opcode or global is refused with a message naming the file, the byte offset and
 * the opcode or global. The stack, the memo and the number of values are bounded, and no
 * function recurses. */
#ifndef LORASCOPE_TORCHPICKLE_H
#define LORASCOPE_TORCHPICKLE_H

#include <stddef.h>

#include "lorascope/safetensors.h"
#include "lorascope/status.h"

#define LS_TP_MAX_STACK ((size_t)1 << 20) /* values on the stack at once */
#define LS_TP_MAX_MEMO ((size_t)1 << 22)  /* memo slots */

typedef struct {
	char *name;       /* the state dict key */
	char *key;        /* the storage's record: <archive>/data/<key> */
	char dtype[12];   /* "F32", "BF16", ... (safetensors names) */
	size_t elem_size; /* bytes per element */
	size_t numel;     /* elements in the storage */
	size_t offset;    /* storage_offset, in elements */
	size_t ndim;      /* ≤ LS_ST_MAX_DIMS */
	size_t shape[LS_ST_MAX_DIMS], stride[LS_ST_MAX_DIMS]; /* stride in elements */
} ls_tp_tensor;

/* Read the pickle pkl[0..len) (name labels messages) into *out (*n records, in file order;
 * free with ls_tp_free). Shapes and strides are only read here: the caller checks them
 * against the storages. */
ls_status ls_tp_parse(const unsigned char *pkl, size_t len, const char *name, ls_tp_tensor **out,
		      size_t *n, ls_error *err);
void ls_tp_free(ls_tp_tensor *t, size_t n);

#endif
