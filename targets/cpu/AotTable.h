/* What `somac build` puts into an object file next to the kernels, and what the library's
 * entry points (targets/cpu/sim/AotRuntime.cpp, library soma_aot) read.
 *
 *   soma_aot_kernels[soma_aot_kernel_count]  one entry per population kernel
 *   soma_aot_manifest[soma_aot_manifest_size] the sources and build options (AotManifest.h)
 *   soma_aot_format                          SOMA_AOT_FORMAT
 *
 * Plain C; the layout is the one targets/cpu/Aot.cpp emits in LLVM IR. */
#ifndef SOMA_AOT_TABLE_H
#define SOMA_AOT_TABLE_H

#include "KernelABI.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOMA_AOT_FORMAT 1

typedef struct SomaAotKernel {
  const char *function;  /* "soma_update_<population>" */
  SomaUpdateFn fn;
  const char *spec;      /* serializeKernelSpec() of the spec it was compiled for, NUL-ended */
  uint64_t specHash;     /* fnv1a64(spec) */
} SomaAotKernel;

extern const SomaAotKernel soma_aot_kernels[];
extern const uint64_t soma_aot_kernel_count;
extern const unsigned char soma_aot_manifest[];
extern const uint64_t soma_aot_manifest_size;
extern const uint32_t soma_aot_format;

#ifdef __cplusplus
}
#endif

#endif
