// SPDX-License-Identifier: Apache-2.0
// bench_launcher SM_TRAIN [RUNS]
//
// Measures, on a fake /opt/ml tree in a temp dir:
//  1. start overhead: `sm-train train` running a no-op program versus starting
//     that program directly (median of RUNS runs each, ms and ratio). This is
//     wall time, so it includes sm-train's file-system work (mkdir of output/
//     and model/, creating output/success); on a loaded machine that dominates.
//     For CPU cost alone: perf stat -r 50 sm-train train (with the same tree).
//  2. peak RSS of sm-train (VmHWM) while the program runs, idle and after
//     passing 512 MiB of stderr through;
//  3. stderr throughput through sm-train versus the program writing to the
//     same kind of pipe directly.
// The same binary is the test program: with `--mib N` as arguments it writes
// N MiB of 100-byte log lines to stderr; with `--sleep-ms N` it sleeps.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
extern char** environ;

namespace {

int write_stderr(long mib) {
    std::string line = "2026-01-01 00:00:00 epoch=12 step=3456 loss=0.123456 lr=0.001 throughput=1234.5 samples/s ok\n";
    std::string block;
    while (block.size() + line.size() <= 64 * 1024) block += line;
    long total = mib * 1024 * 1024, written = 0;
    while (written < total) {
        ssize_t n = write(2, block.data(), block.size());
        if (n <= 0) return 1;
        written += n;
    }
    return 0;
}

struct Child {
    pid_t pid;
    int stderr_read;  // -1 when stderr goes to /dev/null
};

/// Starts argv with `env` added, stdout to /dev/null, stderr to a pipe or /dev/null.
Child start(const std::vector<std::string>& argv, const std::vector<std::string>& env, bool stderr_pipe,
            const fs::path& cwd = {}) {
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) envs.emplace_back(*e);
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<char*> a, e;
    for (auto& s : const_cast<std::vector<std::string>&>(argv)) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envs) e.push_back(s.data());
    e.push_back(nullptr);
    int fds[2] = {-1, -1};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (stderr_pipe) {
        if (pipe2(fds, O_CLOEXEC) != 0) std::exit(2);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    } else {
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    }
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    pid_t pid;
    if (posix_spawn(&pid, a[0], &actions, nullptr, a.data(), e.data()) != 0) {
        std::perror("posix_spawn");
        std::exit(2);
    }
    posix_spawn_file_actions_destroy(&actions);
    if (stderr_pipe) close(fds[1]);
    return {pid, fds[0]};
}

int finish(const Child& c) {
    if (c.stderr_read >= 0) {
        static char buf[1 << 16];
        while (read(c.stderr_read, buf, sizeof buf) > 0) {
        }
        close(c.stderr_read);
    }
    int status;
    waitpid(c.pid, &status, 0);
    return status;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

long vm_hwm_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (in >> key) {
        if (key == "VmHWM:") {
            long kib;
            in >> kib;
            return kib;
        }
        in.ignore(1 << 20, '\n');
    }
    return -1;
}

void write_file(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], "--mib") == 0) return write_stderr(std::atol(argv[2]));
    if (argc >= 3 && std::strcmp(argv[1], "--sleep-ms") == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::atol(argv[2])));
        return 0;
    }
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s SM_TRAIN [RUNS]\n", argv[0]);
        return 64;
    }
    std::string sm_train = fs::absolute(argv[1]).string();
    int runs = argc > 2 ? std::atoi(argv[2]) : 200;

    std::string tmpl = (fs::temp_directory_path() / "smtrain-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return 2;
    fs::path base = tmpl;
    write_file(base / "input/config/resourceconfig.json", R"({"current_host":"algo-1","hosts":["algo-1"]})");
    write_file(base / "input/config/inputdataconfig.json", R"({"train":{"TrainingInputMode":"File"}})");
    fs::create_directories(base / "code");
    fs::copy_file("/bin/true", base / "code/noop");
    fs::copy_file(fs::canonical("/proc/self/exe"), base / "code/prog");
    std::vector<std::string> env = {"SAGEMAKER_BASE_DIR=" + base.string(), "SM_STUDIO_LOCAL_MODE=true",
                                    "SMTRAIN_PYTHON=/bin/true"};
    auto hyperparameters = [&](const std::string& json) { write_file(base / "input/config/hyperparameters.json", json); };

    // 1. Start overhead.
    hyperparameters(R"({"sagemaker_container_log_level":"40"})");
    std::vector<double> direct, through;
    for (int i = 0; i < runs; ++i) {
        auto t0 = Clock::now();
        finish(start({(base / "code/noop").string()}, {}, false, base / "code"));
        auto t1 = Clock::now();
        int status = finish(start({sm_train, "train"}, {env[0], env[1], env[2], "SAGEMAKER_PROGRAM=noop"}, false));
        auto t2 = Clock::now();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "sm-train failed (status %d)\n", status);
            return 1;
        }
        direct.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        through.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    double d = median(direct), s = median(through);
    std::printf("start overhead (wall): direct %.3f ms, sm-train %.3f ms, overhead %.3f ms, ratio %.2f (median of %d)\n", d,
                s, s - d, s / d, runs);

    // 2. Peak RSS while the program runs.
    hyperparameters(R"({"sagemaker_container_log_level":"40","sleep-ms":"1000"})");
    Child idle = start({sm_train, "train"}, {env[0], env[1], env[2], "SAGEMAKER_PROGRAM=prog"}, false);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    long idle_kib = vm_hwm_kib(idle.pid);
    finish(idle);
    std::printf("peak RSS of sm-train while the program runs: %.2f MiB\n", static_cast<double>(idle_kib) / 1024);

    // 3. stderr throughput, 512 MiB of log lines.
    const long mib = 512;
    auto t0 = Clock::now();
    finish(start({(base / "code/prog").string(), "--mib", std::to_string(mib)}, {}, true, base / "code"));
    auto t1 = Clock::now();
    hyperparameters(R"({"sagemaker_container_log_level":"40","mib":")" + std::to_string(mib) + R"("})");
    Child busy = start({sm_train, "train"}, {env[0], env[1], env[2], "SAGEMAKER_PROGRAM=prog"}, true);
    // Drain, and sample sm-train's peak RSS just before the end.
    static char buf[1 << 16];
    long busy_kib = 0;
    ssize_t n;
    while ((n = read(busy.stderr_read, buf, sizeof buf)) > 0) {
        if ((busy_kib & 0xff) == 0) busy_kib = std::max(busy_kib, vm_hwm_kib(busy.pid)) | 0;
    }
    busy_kib = std::max(busy_kib, vm_hwm_kib(busy.pid));
    close(busy.stderr_read);
    busy.stderr_read = -1;
    finish(busy);
    auto t2 = Clock::now();
    double direct_s = std::chrono::duration<double>(t1 - t0).count();
    double through_s = std::chrono::duration<double>(t2 - t1).count();
    std::printf("stderr throughput: direct %.0f MiB/s, through sm-train %.0f MiB/s, %.0f%% of direct\n",
                static_cast<double>(mib) / direct_s, static_cast<double>(mib) / through_s, 100.0 * direct_s / through_s);
    std::printf("peak RSS of sm-train after passing %ld MiB of stderr: %.2f MiB\n", mib,
                static_cast<double>(busy_kib) / 1024);
    fs::remove_all(base);
    return 0;
}
