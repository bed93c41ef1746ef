// SPDX-License-Identifier: Apache-2.0
#pragma once
// Real servers for the S3 tests, all on loopback: moto (S3), the container
// credentials endpoint and the fault proxy (small python3 scripts next to this file).

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace smtrain::s3::test {

/// A child process started with posix_spawn (argv, no shell), in its own
/// process group, killed with it when this goes out of scope.
class ChildProcess {
public:
    explicit ChildProcess(const std::vector<std::string>& argv);
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();
    /// Waits for the child; returns its exit status (or 128+signal).
    int wait();

private:
    pid_t pid_ = -1;
};

/// Runs a command to completion, returning its stdout; fails the test on a non-zero exit.
std::string run_and_capture(const std::vector<std::string>& argv);

/// A file the given script writes its port to, read when it appears.
int wait_for_port_file(const std::filesystem::path& file, int timeout_seconds = 60);

/// http://127.0.0.1:<port> of the moto server: the one the CTest fixture
/// started (SMTRAIN_TEST_MOTO_STATE), or one started for this process.
std::string moto_endpoint();

/// A python3 script in tests/s3.
std::string script(const std::string& name);

/// One of the python3 loopback servers in tests/s3 (`SCRIPT PORT_FILE ARGS...`),
/// stopped with this object. The script writes its port to PORT_FILE, and may
/// write logs beside it (PORT_FILE.log, ...).
class ScriptServer {
public:
    explicit ScriptServer(const std::string& script_name, const std::vector<std::string>& args = {});
    ScriptServer(const ScriptServer&) = delete;
    ScriptServer& operator=(const ScriptServer&) = delete;

    int port() const { return port_; }
    /// http://127.0.0.1:<port><path>
    std::string url(const std::string& path = "") const;
    /// The text of PORT_FILE<suffix> (".log", ...); "" while it does not exist.
    std::string file(const std::string& suffix) const;

private:
    TempDir dir_;
    std::unique_ptr<ChildProcess> process_;  // declared after dir_: stopped before dir_ goes
    int port_ = 0;
};

/// A bucket name no other test uses.
std::string unique_bucket(const std::string& stem);

}  // namespace smtrain::s3::test
