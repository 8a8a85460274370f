/* torchbin.h — PyTorch adapter_model.bin (torch.save's zip archive, PyTorch ≥ 1.6) read into
 * the same tensor image as a .safetensors file, so the adapter code reads either.
 *
 * The archive is opened with libzip: <archive>/data.pkl (the pickle), <archive>/data/<key>
 * (one record per storage), <archive>/byteorder ("little"; absent in archives older than
 * PyTorch 2.1, which then are little-endian). The pickle is read by a restricted machine
 * (src/io/torchpickle.c) that runs no code: the opcodes and globals torch.save writes for a
 * state dict of tensors, nothing else. Refused, each with one line naming the file: any
 * other global or opcode, a big-endian archive, a storage record missing or of the wrong
 * size, a tensor reaching outside its storage or covering more elements than it holds,
 * compression other than stored/deflate, the legacy (non-zip) format. */
#ifndef LORASCOPE_TORCHBIN_H
#define LORASCOPE_TORCHBIN_H

#include <stddef.h>

#include "lorascope/safetensors.h"
#include "lorascope/status.h"

/* Largest data.pkl read: 64 MiB. */
#define LS_TB_MAX_PICKLE ((size_t)64 << 20)

/* Parse the archive image buf[0..len) (name labels messages) into st: tensors sorted by name
 * with safetensors dtype names ("F32", "BF16", ...), their bytes copied into one buffer st
 * owns (st->owned, freed by ls_st_close); no __metadata__. */
ls_status ls_tb_parse(ls_safetensors *st, const unsigned char *buf, size_t len, const char *name,
		      ls_error *err);
/* Map and parse the file at path. Release with ls_st_close. */
ls_status ls_tb_open(ls_safetensors *st, const char *path, ls_error *err);

#endif
