/* SPDX-License-Identifier: Apache-2.0 */
/* The program bench_local runs as the job: writes the CLOCK_MONOTONIC time it
   started at (ns) into $SMTRAIN_BENCH_MARK, and exits. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const char* path = getenv("SMTRAIN_BENCH_MARK");
    if (path == NULL) return 2;
    FILE* f = fopen(path, "w");
    if (f == NULL) return 3;
    fprintf(f, "%lld\n", (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    return fclose(f) == 0 ? 0 : 4;
}
