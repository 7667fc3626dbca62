/* A plain C program that drives a library written by `somac build` through its generated
 * header (test/run/aot*.test).
 *
 *   aot_main OUT_DIR DURATION_MS [SEED [THREADS]]
 *
 * Prints the model's name and soma_run's result; exits with that result. Compile with
 * -DSOMA_HEADER='"NAME.h"' for a library other than cuba.so. */
#ifdef SOMA_HEADER
#include SOMA_HEADER
#else
#include "cuba.h"
#endif

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: %s OUT_DIR DURATION_MS [SEED [THREADS]]\n", argv[0]);
    return 64;
  }
  double duration_ms = strtod(argv[2], NULL);
  uint64_t seed = argc > 3 ? (uint64_t)strtoull(argv[3], NULL, 10) : 0;
  unsigned threads = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 1;
  printf("model %s (somac %s)\n", soma_model_name(), soma_version());
  fflush(stdout);
  int rc = soma_run(argv[1], duration_ms, seed, threads);
  printf("soma_run returned %d\n", rc);
  return rc;
}
