// SPDX-License-Identifier: Apache-2.0
// Test program: leaves N orphans behind (double fork). Each orphan checks that
// it was reparented to sm-train (this program's parent), then exits. The
// program waits until sm-train has no other child left, dead or alive, and
// prints "zombies <z> misparented <m>"; it exits 0 when both are 0.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace {

/// Our parent's PID and ours, as /proc numbers them: as PID 1 of
/// a PID namespace, sm-train is 1 to getppid() but has its outer PID in a /proc
/// mounted outside the namespace.
std::pair<std::string, std::string> parent_and_self_in_proc() {
    std::ifstream stat("/proc/self/stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    char state;
    std::string ppid;
    rest >> state >> ppid;
    return {ppid, line.substr(0, line.find(' '))};
}

/// Processes (zombies included) whose parent is `parent`, other than `self`,
/// from /proc/<pid>/stat (PIDs as /proc numbers them); `zombies` gets those in state Z.
int children_of(const std::string& parent, const std::string& self, int& zombies) {
    int count = 0;
    zombies = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;  // self, thread-self, ...
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        auto close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 2));
        char state;
        std::string ppid;
        rest >> state >> ppid;
        if (ppid != parent || name == self) continue;
        ++count;
        if (state == 'Z') ++zombies;
    }
    return count;
}

}  // namespace

int main(int argc, char** argv) {
    int n = argc > 1 ? atoi(argv[1]) : 500;
    pid_t supervisor = getppid();
    int report[2];
    if (pipe(report) != 0) return 2;
    for (int i = 0; i < n; ++i) {
        pid_t child = fork();
        if (child == 0) {
            pid_t middle = getpid();
            if (fork() == 0) {  // the orphan
                for (int t = 0; t < 1000 && getppid() == middle; ++t) usleep(1000);
                if (getppid() != supervisor) {
                    [[maybe_unused]] ssize_t w = write(report[1], "x", 1);
                }
                _exit(0);
            }
            _exit(0);
        }
        waitpid(child, nullptr, 0);
    }
    close(report[1]);
    const auto [supervisor_in_proc, self_in_proc] = parent_and_self_in_proc();
    int zombies = 0, children = 0;
    for (int tries = 0; tries < 100; ++tries) {  // up to 10 s for every orphan to exit and be reaped
        children = children_of(supervisor_in_proc, self_in_proc, zombies);
        if (children == 0) break;
        usleep(100 * 1000);
    }
    // Every orphan has exited (and closed its end) once none is left.
    char buf[1024];
    int misparented = 0;
    ssize_t r;
    while ((r = read(report[0], buf, sizeof buf)) > 0) misparented += static_cast<int>(r);
    printf("children %d zombies %d misparented %d\n", children, zombies, misparented);
    return children == 0 && misparented == 0 ? 0 : 1;
}
