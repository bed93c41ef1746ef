// SPDX-License-Identifier: Apache-2.0
#include "servers.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include "test_util.hpp"

extern char** environ;

namespace smtrain::s3::test {
namespace fs = std::filesystem;

namespace {

pid_t spawn(const std::vector<std::string>& argv, posix_spawn_file_actions_t* actions) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], actions, &attr, args.data(), environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    return pid;
}

int wait_status(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// moto started by this process when no CTest fixture provides one, stopped at exit.
class OwnMoto {
public:
    OwnMoto() = default;
    OwnMoto(const OwnMoto&) = delete;
    OwnMoto& operator=(const OwnMoto&) = delete;
    ~OwnMoto() { stop(); }
    std::string endpoint() {
        if (port_ == 0) {
            state_ = std::make_unique<TempDir>();
            const std::string state_file = (state_->path() / "moto.state").string();
            if (ChildProcess({"python3", script("moto_ctl.py"), "start", state_file}).wait() != 0) {
                throw std::runtime_error("moto_server did not start (see " + state_file + ".log)");
            }
            std::ifstream(state_file) >> port_;
        }
        return "http://127.0.0.1:" + std::to_string(port_);
    }
    void stop() {
        if (port_ == 0) return;
        ChildProcess({"python3", script("moto_ctl.py"), "stop", (state_->path() / "moto.state").string()})
            .wait();
        port_ = 0;
    }

private:
    std::unique_ptr<TempDir> state_;
    int port_ = 0;
};

OwnMoto* own_moto() {
    static OwnMoto moto;
    return &moto;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
    // Not the test's stdout: a server orphaned by a crashed test would hold
    // CTest's pipe open and hang it.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_ = spawn(argv, &actions);
    posix_spawn_file_actions_destroy(&actions);
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0) {
        ::kill(-pid_, SIGTERM);
        wait_status(pid_);
    }
}

int ChildProcess::wait() {
    const int status = wait_status(pid_);
    pid_ = -1;
    return status;
}

std::string run_and_capture(const std::vector<std::string>& argv) {
    TempDir tmp;
    const fs::path out = tmp.path() / "stdout";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const pid_t pid = spawn(argv, &actions);
    posix_spawn_file_actions_destroy(&actions);
    const int status = wait_status(pid);
    EXPECT_EQ(status, 0) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << " failed";
    return read_text(out);
}

int wait_for_port_file(const fs::path& file, int timeout_seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        int port = 0;
        if (std::ifstream(file) >> port) return port;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("no port in " + file.string());
}

std::string moto_endpoint() {
    if (const char* state = std::getenv("SMTRAIN_TEST_MOTO_STATE")) {
        int port = 0;
        if (std::ifstream(state) >> port) return "http://127.0.0.1:" + std::to_string(port);
    }
    return own_moto()->endpoint();
}

std::string script(const std::string& name) { return std::string(SMTRAIN_SOURCE_DIR) + "/tests/s3/" + name; }

ScriptServer::ScriptServer(const std::string& script_name, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"python3", script(script_name), (dir_.path() / "port").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<ChildProcess>(argv);
    port_ = wait_for_port_file(dir_.path() / "port");
}

std::string ScriptServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string ScriptServer::file(const std::string& suffix) const {
    const fs::path path = dir_.path() / ("port" + suffix);
    std::error_code ec;
    return fs::exists(path, ec) ? read_text(path) : "";
}

std::string unique_bucket(const std::string& stem) {
    static std::atomic<int> counter{0};
    return stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

}  // namespace smtrain::s3::test
