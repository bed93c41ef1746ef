// SPDX-License-Identifier: Apache-2.0
// Test program: forks N short-lived children and never waits for any of them.
// Each child forks a grandchild and exits at once, so the grandchildren are
// orphans; the children are zombies until this program exits. Whatever
// supervises the program must reap all 2N.
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 10000;
    for (long i = 0; i < n; ++i) {
        const pid_t pid = fork();
        if (pid < 0) {
            std::perror("fork");
            return 1;
        }
        if (pid == 0) {
            if (fork() == 0) _exit(0);  // the grandchild: an orphan as soon as its parent exits
            _exit(0);
        }
    }
    std::printf("forked %ld\n", n);
    return 0;
}
