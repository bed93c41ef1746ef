// SPDX-License-Identifier: Apache-2.0
// The least launcher, and what a fresh page of memory costs one: writes one
// byte into each of PAGES pages of a new anonymous mapping (each a page fault
// and a page the kernel hands out; none with 0), then vforks, execs the
// program and waits. With 0 it is bench/compare_toolkit.sh's floor, the
// vfork-exec-wait launcher. Timed interleaved:
//
//   cc -static -O2 -o /tmp/fresh_pages bench/fresh_pages.c
//   bench/start_interleaved.py 600 direct=./noop "p0=/tmp/fresh_pages 0 ./noop"
//       "p40=/tmp/fresh_pages 40 ./noop" "p80=/tmp/fresh_pages 80 ./noop"   (one line)
//
// (docs/launcher.md, "Start-up against tini": about 14 us a page on this VM.)
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s PAGES PROGRAM [ARG...]\n", argv[0]);
        return 2;
    }
    const long pages = atol(argv[1]);
    if (pages > 0) {  // 0: the bare launcher, compare_toolkit.sh's floor
        char* memory = mmap(NULL, (size_t)(pages + 1) * 4096, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED) return 1;
        for (long i = 0; i < pages; ++i) memory[i * 4096] = 1;
    }
    const pid_t pid = vfork();
    if (pid == 0) {
        execv(argv[2], argv + 2);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
