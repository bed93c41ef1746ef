// SPDX-License-Identifier: Apache-2.0
#pragma once
// Test support for sm-train process tests: a fake SageMaker tree in a temp
// dir, and running the real sm-train binary on it with its output in files.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/supervision_mode.hpp"
#include "../support/temp_tree.hpp"

extern char** environ;

namespace smtrain::testing {

namespace fs = std::filesystem;

/// A fake /opt/ml under a fresh temp dir, removed at the end. (Not the public
/// smtrain::testing::FakeTree of <smtrain/testing/fake_tree.hpp>: this one is
/// the launcher tests' own, with the temp dir's root beside the tree.)
class JobTree {
public:
    JobTree() {
        std::string pattern = (fs::temp_directory_path() / "smtrain-launcher-XXXXXX").string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        root_ = pattern;
        fs::create_directories(base() / "code");
        fs::create_directories(base() / "input/data/dataset");
        write("input/config/resourceconfig.json", R"({"current_host":"algo-1","hosts":["algo-1"]})");
        write("input/config/inputdataconfig.json", R"({"dataset":{"TrainingInputMode":"File"}})");
        write("input/config/hyperparameters.json", "{}");
    }
    ~JobTree() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    JobTree(const JobTree&) = delete;
    JobTree& operator=(const JobTree&) = delete;

    fs::path root() const { return root_; }
    fs::path base() const { return root_ / "opt_ml"; }
    fs::path code() const { return base() / "code"; }
    fs::path output() const { return base() / "output"; }
    fs::path model() const { return base() / "model"; }

    fs::path write(const fs::path& relative, const std::string& text, bool executable = false) const {
        fs::path full = base() / relative;
        fs::create_directories(full.parent_path());
        std::ofstream(full, std::ios::binary | std::ios::trunc) << text;
        if (executable) chmod(full.c_str(), 0755);
        return full;
    }
    void hyperparameters(const std::string& json) const { write("input/config/hyperparameters.json", json); }
    std::string failure() const { return read_file(output() / "failure"); }
    bool has_failure() const { return fs::exists(output() / "failure"); }
    bool has_success() const { return fs::exists(output() / "success"); }

private:
    fs::path root_;
};

/// A started sm-train (or any command): stdout and stderr go to files.
class Process {
public:
    /// Starts argv[0] (a path) with the environment plus `env_overrides`, its
    /// output in `dir`; in `cwd` when given. With `as_pid1`, as PID 1 of a PID
    /// namespace of its own behind a relay (supervision_mode.hpp): pid() is then
    /// the relay's, which passes on every signal but SIGKILL and exits as it did.
    Process(std::vector<std::string> argv, const std::map<std::string, std::string>& env_overrides,
            const fs::path& dir, const fs::path& cwd = {}, bool as_pid1 = false)
        : out_(dir / "sm-train.stdout"), err_(dir / "sm-train.stderr") {
        std::map<std::string, std::string> env;
        for (char** e = environ; *e; ++e) {
            std::string kv(*e);
            auto eq = kv.find('=');
            if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
        for (const char* drop : {"SAGEMAKER_PROGRAM", "SAGEMAKER_TRAINING_MODULE", "SM_STUDIO_LOCAL_MODE",
                                 "SMTRAIN_PYTHON", "SMTRAIN_GRACE_PERIOD_S", "PYTHONPATH"}) {
            env.erase(drop);
        }
        for (const auto& [k, v] : env_overrides) env[k] = v;
        std::vector<std::string> envs;
        for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
        std::vector<char*> c_argv, c_env;
        for (auto& a : argv) c_argv.push_back(a.data());
        c_argv.push_back(nullptr);
        for (auto& e : envs) c_env.push_back(e.data());
        c_env.push_back(nullptr);
        if (as_pid1) {
            start_as_pid1(c_argv, c_env, cwd);
            return;
        }

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t empty;
        sigemptyset(&empty);
        posix_spawnattr_setsigmask(&attr, &empty);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        int rc = posix_spawn(&pid_, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) throw std::runtime_error("posix_spawn failed");
    }
    ~Process() {
        if (!status_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }

    /// Waits up to `timeout`; the raw wait status, or nullopt on time-out.
    std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!status_) {
            int status = 0;
            pid_t r = waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                status_ = status;
                break;
            }
            if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return status_;
    }
    /// Exit code as a shell reports it (128+N for a signal); -1 on time-out.
    int exit_code(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
        auto status = wait(timeout);
        if (!status) return -1;
        if (WIFEXITED(*status)) return WEXITSTATUS(*status);
        return 128 + WTERMSIG(*status);
    }
    std::string out() const { return read_file(out_); }
    std::string err() const { return read_file(err_); }

private:
    /// As posix_spawn above, by hand: the relay is code that runs between fork
    /// and execve (async-signal-safe calls only from fork to execve).
    void start_as_pid1(const std::vector<char*>& argv, const std::vector<char*>& env, const fs::path& cwd) {
        const char* out = out_.c_str();
        const char* err = err_.c_str();
        const char* dir = cwd.empty() ? nullptr : cwd.c_str();
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            const int in_fd = open("/dev/null", O_RDONLY);
            const int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (in_fd < 0 || out_fd < 0 || err_fd < 0) _exit(250);
            dup2(in_fd, 0);
            dup2(out_fd, 1);
            dup2(err_fd, 2);
            for (const int fd : {in_fd, out_fd, err_fd})
                if (fd > 2) close(fd);
            if (dir != nullptr && chdir(dir) != 0) _exit(251);
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            test_support::become_pid1_when_asked(true);
            execve(argv[0], argv.data(), env.data());
            _exit(127);
        }
    }

    pid_t pid_ = -1;
    std::optional<int> status_;
    fs::path out_, err_;
};

/// Waits until `path` exists and is non-empty (up to `timeout`).
inline bool wait_for_file(const fs::path& path,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::error_code ec;
        if (fs::exists(path, ec) && fs::file_size(path, ec) > 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

}  // namespace smtrain::testing
