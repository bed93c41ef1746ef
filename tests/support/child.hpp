// SPDX-License-Identifier: Apache-2.0
#pragma once
// Test support: the one helper that runs a child. prepare_child() is the
// child's side of every child a test starts; run_child() runs a command
// (usually sm-train) with a given environment, its output in files, and
// measures it with wait4(): wall time, peak RSS and the exit status. Optional per-child set-up runs between
// fork and exec (privilege drop, private mounts, rlimits); it may only make
// async-signal-safe calls.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "supervision_mode.hpp"
#include "temp_tree.hpp"

namespace smtrain::test_support {

/// The child's side of every child a test starts (run_child below, the launcher
/// tests' Process), between fork and execve, so async-signal-safe calls only:
/// stdin from /dev/null, stdout and stderr into the files `out` and `err`, the
/// working directory `dir` (unless null), an empty signal mask, and with
/// `as_pid1` PID 1 of a PID namespace of its own (supervision_mode.hpp).
/// 0, or the exit code the child should _exit with: 250 when a file cannot be
/// opened, 251 when `dir` cannot be entered.
inline int prepare_child(const char* out, const char* err, const char* dir, bool as_pid1) {
    const int in_fd = open("/dev/null", O_RDONLY);
    const int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) return 250;
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    for (const int fd : {in_fd, out_fd, err_fd})
        if (fd > 2) close(fd);
    if (dir != nullptr && chdir(dir) != 0) return 251;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    become_pid1_when_asked(as_pid1);
    return 0;
}

}  // namespace smtrain::test_support

namespace smtrain::reliability {

namespace fs = std::filesystem;
using smtrain::testing::read_file;
using smtrain::testing::TempDir;
using smtrain::testing::write_file;
using smtrain::testing::write_one_host_config;
// SMTRAIN_TEST_AS_PID1=1: every child runs as PID 1 of a PID namespace of its own
// (supervision_mode.hpp), the other mode besides a subreaper (the default).
using smtrain::test_support::become_pid1_when_asked;
using smtrain::test_support::test_as_pid1;

/// How a child ended and what it cost.
struct ChildResult {
    bool timed_out = false;
    int status = 0;        ///< raw wait status
    int exit_code = -1;    ///< exit code, or 128+N when killed by signal N
    double seconds = 0;    ///< wall time from fork to reaping
    long max_rss_kib = 0;  ///< ru_maxrss: the largest of the child and what it waited for
    std::string out, err;  ///< its stdout and stderr (empty when sent elsewhere)
};

struct ChildSpec {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  ///< the whole environment
    fs::path workdir;                        ///< stdout/stderr files go here
    /// Where stdout / stderr go: "" = a file in workdir (read back into the result).
    std::string stdout_path, stderr_path;
    std::chrono::milliseconds timeout = std::chrono::seconds(60);
    /// Runs in the child before execve (async-signal-safe calls only); return false to fail.
    std::function<bool()> before_exec;
    /// Called in the parent right after fork (to send signals, for instance).
    std::function<void(pid_t)> after_fork;
};

inline ChildResult run_child(const ChildSpec& spec) {
    const bool as_pid1 = test_as_pid1();
    std::vector<std::string> envs;
    for (const auto& [k, v] : spec.env) envs.push_back(k + "=" + v);
    std::vector<char*> c_argv, c_env;
    std::vector<std::string> argv = spec.argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    for (auto& e : envs) c_env.push_back(e.data());
    c_env.push_back(nullptr);
    const fs::path out_file =
        spec.stdout_path.empty() ? spec.workdir / "child.stdout" : fs::path(spec.stdout_path);
    const fs::path err_file =
        spec.stderr_path.empty() ? spec.workdir / "child.stderr" : fs::path(spec.stderr_path);
    const std::string out_s = out_file.string(), err_s = err_file.string();

    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        if (const int failed = test_support::prepare_child(out_s.c_str(), err_s.c_str(), nullptr, as_pid1))
            _exit(failed);
        if (spec.before_exec && !spec.before_exec()) _exit(251);
        execve(c_argv[0], c_argv.data(), c_env.data());
        _exit(252);
    }
    if (spec.after_fork) spec.after_fork(pid);

    ChildResult result;
    const auto deadline = start + spec.timeout;
    rusage usage{};
    for (;;) {
        int status = 0;
        const pid_t r = wait4(pid, &status, WNOHANG, &usage);
        if (r == pid) {
            result.status = status;
            break;
        }
        if (std::chrono::steady_clock::now() > deadline && !result.timed_out) {
            result.timed_out = true;
            kill(pid, SIGKILL);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.max_rss_kib = usage.ru_maxrss;
    result.exit_code = WIFEXITED(result.status) ? WEXITSTATUS(result.status) : 128 + WTERMSIG(result.status);
    if (spec.stdout_path.empty()) result.out = read_file(out_file);
    if (spec.stderr_path.empty()) result.err = read_file(err_file);
    return result;
}

/// The lines of `text` (without their '\n').
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

/// True for the lines sm-train's logger writes ("2024-01-01 00:00:00,000 sm-train     INFO ...").
inline bool is_log_record(const std::string& line) {
    return line.size() > 24 && line[4] == '-' && line[7] == '-' && line[13] == ':' && line[19] == ',' &&
           line.compare(24, 8, "sm-train") == 0;
}

/// The environment sm-train runs with in these tests: nothing from the test's own,
/// so results do not depend on who runs them.
inline std::map<std::string, std::string> base_environment(const fs::path& base_dir, const fs::path& home) {
    std::map<std::string, std::string> env{{"PATH", "/usr/local/bin:/usr/bin:/bin"},
                                           {"HOME", home.string()},
                                           {"SAGEMAKER_BASE_DIR", base_dir.string()},
                                           {"SM_STUDIO_LOCAL_MODE", "true"},  // no DNS wait for algo-N hosts
                                           {"LANG", "C.UTF-8"}};
    // Sanitizer settings and the temp dir of the test run still apply.
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "TMPDIR"}) {
        if (const char* value = std::getenv(name)) env[name] = value;
    }
    return env;
}

}  // namespace smtrain::reliability
