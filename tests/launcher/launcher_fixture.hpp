// SPDX-License-Identifier: Apache-2.0
#pragma once
// Test support for sm-train process tests: a fake SageMaker tree in a temp
// dir, and running the real sm-train binary on it with its output in files.

#include <fcntl.h>
#include <signal.h>
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

#include "../support/child.hpp"
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
        fs::create_directories(base() / "code");
        fs::create_directories(base() / "input/data/dataset");
        write("input/config/resourceconfig.json", R"({"current_host":"algo-1","hosts":["algo-1"]})");
        write("input/config/inputdataconfig.json", R"({"dataset":{"TrainingInputMode":"File"}})");
        write("input/config/hyperparameters.json", "{}");
    }

    fs::path root() const { return dir_.path(); }
    fs::path base() const { return root() / "opt_ml"; }
    fs::path code() const { return base() / "code"; }
    fs::path output() const { return base() / "output"; }
    fs::path model() const { return base() / "model"; }

    fs::path write(const fs::path& relative, const std::string& text, bool executable = false) const {
        fs::path full = base() / relative;
        write_file(full, text);
        if (executable) chmod(full.c_str(), 0755);
        return full;
    }
    void hyperparameters(const std::string& json) const { write("input/config/hyperparameters.json", json); }
    std::string failure() const { return read_file(output() / "failure"); }
    bool has_failure() const { return fs::exists(output() / "failure"); }
    bool has_success() const { return fs::exists(output() / "success"); }

private:
    TempDir dir_;  // the temp dir's root, beside the tree
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
        start(c_argv, c_env, cwd, as_pid1);
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
    /// The child runs code between fork and execve (async-signal-safe calls only
    /// from fork to execve): test_support::prepare_child, shared with run_child.
    void start(const std::vector<char*>& argv, const std::vector<char*>& env, const fs::path& cwd,
               bool as_pid1) {
        const char* out = out_.c_str();
        const char* err = err_.c_str();
        const char* dir = cwd.empty() ? nullptr : cwd.c_str();
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            if (const int failed = test_support::prepare_child(out, err, dir, as_pid1)) _exit(failed);
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
