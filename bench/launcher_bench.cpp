// SPDX-License-Identifier: Apache-2.0
// bench_launcher SM_TRAIN [RUNS [PAIRS]]
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
//     same kind of pipe directly, PAIRS times each, interleaved (median and
//     range), and, as ceilings for any process in between, through two
//     minimal relays that do nothing but pass the bytes on: read + write
//     (1 MiB buffer) and splice(2) (no copy at all); and through sm-train with
//     the hang watchdog on (SMTRAIN_HANG_PROGRESS_S, issue 21), without and
//     with a pattern (SMTRAIN_HANG_PATTERN), side by side in the same rounds.
// The same binary is the test program: with `--mib N` as arguments it writes
// N MiB of 100-byte log lines to stderr; with `--sleep-ms N` it sleeps; with
// `--relay rw|splice PROGRAM ARGS...` it runs PROGRAM with stderr into a pipe
// and passes that on to its own stderr.
#include <fcntl.h>
#include <poll.h>
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
    std::string line =
        "2026-01-01 00:00:00 epoch=12 step=3456 loss=0.123456 lr=0.001 throughput=1234.5 samples/s ok\n";
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

/// The minimal relay: PROGRAM's stderr passed on to ours, nothing else.
int relay(const std::string& how, char** program) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return 2;
    // As sm-train: the larger pipe, and reads as large.
    constexpr int kPipe = 1 << 20;
    fcntl(fds[0], F_SETPIPE_SZ, kPipe);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    pid_t pid;
    if (posix_spawn(&pid, program[0], &actions, nullptr, program, environ) != 0) return 2;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (how == "splice") {
        fcntl(2, F_SETPIPE_SZ, kPipe);
        while (splice(fds[0], nullptr, 2, nullptr, kPipe, 0) > 0) {
        }
    } else {
        std::vector<char> buffer(kPipe);
        ssize_t n;
        while ((n = read(fds[0], buffer.data(), buffer.size())) > 0) {
            for (ssize_t done = 0; done < n;) {
                ssize_t w = write(2, buffer.data() + done, static_cast<std::size_t>(n - done));
                if (w <= 0) return 1;
                done += w;
            }
        }
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

struct Child {
    pid_t pid;
    int stderr_read;  // -1 when stderr goes to /dev/null
};

/// Starts argv with `env` added, stdout to /dev/null, stderr to a pipe or /dev/null.
Child start(const std::vector<std::string>& argv, const std::vector<std::string>& env, bool stderr_pipe,
            const fs::path& cwd = {}, int pipe_size = 0) {
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
        if (pipe_size > 0) fcntl(fds[0], F_SETPIPE_SZ, pipe_size);
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

/// Seconds to drain `c`'s stderr to the end and reap it, from `t0`.
double drained(const Child& c, Clock::time_point t0) {
    finish(c);
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
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
    if (argc >= 4 && std::strcmp(argv[1], "--relay") == 0) return relay(argv[2], argv + 3);
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s SM_TRAIN [RUNS [PAIRS]]\n", argv[0]);
        return 64;
    }
    std::string sm_train = fs::absolute(argv[1]).string();
    int runs = argc > 2 ? std::atoi(argv[2]) : 200;
    int pairs = argc > 3 ? std::atoi(argv[3]) : 5;

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
    auto hyperparameters = [&](const std::string& json) {
        write_file(base / "input/config/hyperparameters.json", json);
    };

    // 1. Start overhead.
    hyperparameters(R"({"sagemaker_container_log_level":"40"})");
    std::vector<double> direct, through;
    for (int i = 0; i < runs; ++i) {
        auto t0 = Clock::now();
        finish(start({(base / "code/noop").string()}, {}, false, base / "code"));
        auto t1 = Clock::now();
        int status =
            finish(start({sm_train, "train"}, {env[0], env[1], env[2], "SAGEMAKER_PROGRAM=noop"}, false));
        auto t2 = Clock::now();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "sm-train failed (status %d)\n", status);
            return 1;
        }
        direct.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        through.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    double d = median(direct), s = median(through);
    std::printf(
        "start overhead (wall): direct %.3f ms, sm-train %.3f ms, overhead %.3f ms, ratio %.2f (median of "
        "%d)\n",
        d, s, s - d, s / d, runs);

    // 2. Peak RSS while the program runs.
    hyperparameters(R"({"sagemaker_container_log_level":"40","sleep-ms":"1000"})");
    Child idle = start({sm_train, "train"}, {env[0], env[1], env[2], "SAGEMAKER_PROGRAM=prog"}, false);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    long idle_kib = vm_hwm_kib(idle.pid);
    finish(idle);
    std::printf("peak RSS of sm-train while the program runs: %.2f MiB\n",
                static_cast<double>(idle_kib) / 1024);

    // 3. stderr throughput, 512 MiB of log lines, `pairs` rounds of every way, interleaved so
    // that a burst of load elsewhere hits them alike.
    const long mib = 512;
    const std::string prog = (base / "code/prog").string();
    const std::string self = fs::canonical("/proc/self/exe").string();
    hyperparameters(R"({"sagemaker_container_log_level":"40","mib":")" + std::to_string(mib) + R"("})");
    std::vector<double> direct_s, direct_big_pipe_s, through_s, relay_rw_s, relay_splice_s, watchdog_s,
        watchdog_pattern_s, watchdog_regex_s;
    long busy_kib = 0;
    std::string load_before = load_average();
    for (int round = 0; round < pairs; ++round) {
        auto t0 = Clock::now();
        direct_s.push_back(drained(start({prog, "--mib", std::to_string(mib)}, {}, true, base / "code"), t0));
        // sm-train grows the pipe its reader reads from to 1 MiB: the same pipe, written directly.
        t0 = Clock::now();
        direct_big_pipe_s.push_back(
            drained(start({prog, "--mib", std::to_string(mib)}, {}, true, base / "code", 1 << 20), t0));

        t0 = Clock::now();
        Child busy = start({sm_train, "train"}, {env[0], env[1], env[2], "SAGEMAKER_PROGRAM=prog"}, true);
        // Drain, and sample sm-train's peak RSS now and then.
        static char buf[1 << 16];
        long reads = 0;
        while (read(busy.stderr_read, buf, sizeof buf) > 0) {
            if ((reads++ & 0xff) == 0) busy_kib = std::max(busy_kib, vm_hwm_kib(busy.pid));
        }
        busy_kib = std::max(busy_kib, vm_hwm_kib(busy.pid));
        through_s.push_back(drained(busy, t0));

        // The hang watchdog on: every read is looked at (a pattern: every line matched).
        for (auto [pattern, times] :
             {std::pair{"", &watchdog_s}, std::pair{"step|epoch", &watchdog_pattern_s},
              std::pair{"^(step|epoch) [0-9]+", &watchdog_regex_s}}) {
            t0 = Clock::now();
            times->push_back(
                drained(start({sm_train, "train"},
                              {env[0], env[1], env[2], "SAGEMAKER_PROGRAM=prog",
                               "SMTRAIN_HANG_PROGRESS_S=600", std::string("SMTRAIN_HANG_PATTERN=") + pattern},
                              true),
                        t0));
        }

        for (auto [how, times] : {std::pair{"rw", &relay_rw_s}, std::pair{"splice", &relay_splice_s}}) {
            t0 = Clock::now();
            Child relayed = start({self, "--relay", how, prog, "--mib", std::to_string(mib)}, {}, true);
            times->push_back(drained(relayed, t0));
        }
    }
    auto rate = [&](const std::vector<double>& seconds) {
        auto [fast, slow] = std::minmax_element(seconds.begin(), seconds.end());
        char text[96];
        std::snprintf(text, sizeof text, "%.0f MiB/s (%.0f-%.0f)", static_cast<double>(mib) / median(seconds),
                      static_cast<double>(mib) / *slow, static_cast<double>(mib) / *fast);
        return std::string(text);
    };
    auto share = [&](const std::vector<double>& seconds) {
        return 100.0 * median(direct_s) / median(seconds);
    };
    std::printf("stderr throughput, %ld MiB, median (range) of %d, load average %s before and %s after:\n",
                mib, pairs, load_before.c_str(), load_average().c_str());
    std::printf("  direct                        %s\n", rate(direct_s).c_str());
    std::printf("  direct into a 1 MiB pipe      %s\n", rate(direct_big_pipe_s).c_str());
    std::printf("  through sm-train              %s, %.0f%% of direct, %.0f%% of direct into a 1 MiB pipe\n",
                rate(through_s).c_str(), share(through_s),
                100.0 * median(direct_big_pipe_s) / median(through_s));
    std::printf("  through sm-train, watchdog on %s, %.0f%% of direct, %.0f%% of sm-train with it off\n",
                rate(watchdog_s).c_str(), share(watchdog_s), 100.0 * median(through_s) / median(watchdog_s));
    std::printf("  ... and a pattern (step|epoch) %s, %.0f%% of direct, %.0f%% of sm-train with it off\n",
                rate(watchdog_pattern_s).c_str(), share(watchdog_pattern_s),
                100.0 * median(through_s) / median(watchdog_pattern_s));
    std::printf("  ... and a regex (^(step|epoch) [0-9]+) %s, %.0f%% of sm-train with it off\n",
                rate(watchdog_regex_s).c_str(), 100.0 * median(through_s) / median(watchdog_regex_s));
    std::printf("  through a read+write relay    %s, %.0f%% of direct (ceiling for a relay that copies)\n",
                rate(relay_rw_s).c_str(), share(relay_rw_s));
    std::printf("  through a splice relay        %s, %.0f%% of direct (ceiling for any relay)\n",
                rate(relay_splice_s).c_str(), share(relay_splice_s));
    std::printf("peak RSS of sm-train after passing %ld MiB of stderr: %.2f MiB\n", mib,
                static_cast<double>(busy_kib) / 1024);
    fs::remove_all(base);
    return 0;
}
