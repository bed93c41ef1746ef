// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/report.hpp"

#include "launcher/lifecycle/console.hpp"
#include "launcher/lifecycle/own_failure.hpp"
#include "launcher/lifecycle/python_strip.hpp"

#include <smtrain/error.hpp>

#include <spdlog/spdlog.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>
#include <utility>

namespace smtrain::launcher {
namespace {

[[noreturn]] void cannot_write(const std::filesystem::path& path, const char* step, int error_number) {
    throw Error("cannot write " + path.string() + ": " + step + ": " + strerror(error_number),
                ExitCode::CannotWrite);
}

void fsync_directory(const std::filesystem::path& dir) {
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;  // best effort: the file itself is already synced
    fsync(fd);
    close(fd);
}

}  // namespace

std::string ProcessFailure::to_string() const {
    std::string text = error_class + ":\nExitCode " + std::to_string(exit_code) + "\nErrorMessage \"" +
                       error_message + "\"\n";
    if (extra_info) text += "ExtraInfo \"" + *extra_info + "\"\n";
    text += "Command \"" + command + "\"";
    return std::string(python_strip(text));  // the toolkit's str() strips the whole message
}

bool write_file_atomically(const std::filesystem::path& path, std::string_view content, bool replace) {
    std::filesystem::path dir = path.parent_path();
    // Appended piece by piece: `"." + name` trips GCC 12's -Wrestrict false
    // positive at -O3 (GCC bug 105329), which breaks Release builds with -Werror.
    std::string temp_name(1, '.');
    temp_name += path.filename().string();
    temp_name += ".XXXXXX";
    std::string temp = (dir / temp_name).string();
    int fd = mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) cannot_write(path, "create temp file", errno);
    auto fail = [&](const char* step) {
        int saved = errno;
        close(fd);
        unlink(temp.c_str());
        cannot_write(path, step, saved);
    };
    while (!content.empty()) {
        ssize_t n = write(fd, content.data(), content.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("write");
        content.remove_prefix(static_cast<std::size_t>(n));
    }
    if (fchmod(fd, 0644) != 0) fail("chmod");
    if (fsync(fd) != 0) fail("fsync");
    close(fd);
    bool written = true;
    if (replace) {
        if (rename(temp.c_str(), path.c_str()) != 0) {
            int saved = errno;
            unlink(temp.c_str());
            cannot_write(path, "rename", saved);
        }
    } else {
        // link() fails with EEXIST instead of replacing: an existing report
        // (perhaps the program's own) wins, with no check-then-write race.
        if (link(temp.c_str(), path.c_str()) != 0) {
            int saved = errno;
            unlink(temp.c_str());
            if (saved != EEXIST) cannot_write(path, "link", saved);
            written = false;
        } else {
            unlink(temp.c_str());
        }
    }
    fsync_directory(dir);
    return written;
}

void write_success_file(const std::filesystem::path& output_dir) {
    std::error_code ec;
    std::filesystem::create_directories(output_dir, ec);
    // An empty file is created whole or not at all, so no temp file is
    // needed; and no fsync: SageMaker reads it from this host's page cache
    // after the container exits, and two fsyncs would triple sm-train's start cost.
    std::filesystem::path path = output_dir / "success";
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) cannot_write(path, "open", errno);
    close(fd);
}

bool write_failure_file(const std::filesystem::path& output_dir, std::string_view text) {
    std::error_code ec;
    std::filesystem::create_directories(output_dir, ec);
    return write_file_atomically(output_dir / "failure", text, false);
}

Outcome Outcome::own(std::string what, int code) {
    Outcome outcome;
    // One line, whatever a lower layer put in its message.
    std::string line = "sm-train: " + what;
    for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    outcome.own_failure = std::move(line);
    outcome.exit_code = own_exit_code(code);
    return outcome;
}

Outcome Outcome::found(std::string text, int code) {
    Outcome outcome;
    outcome.own_failure = std::move(text);
    outcome.exit_code = own_exit_code(code);
    return outcome;
}

Outcome Outcome::process(ProcessFailure failure) {
    Outcome outcome;
    outcome.exit_code = failure.exit_code;
    outcome.process_failure = std::move(failure);
    return outcome;
}

namespace {

/// The text of output/failure for a failed outcome.
std::string failure_text(const Outcome& outcome) {
    return outcome.own_failure ? *outcome.own_failure : outcome.process_failure->to_string();
}

/// Writes output/failure; false (with the reason on stderr) when it cannot be
/// written. An existing regular file is kept: the program may write its own.
bool write_failure_report(const std::filesystem::path& output_dir, const std::string& text) {
    const std::filesystem::path path = output_dir / "failure";
    try {
        if (write_failure_file(output_dir, text)) return true;
    } catch (const Error& e) {
        say(std::string("sm-train: ") + e.what());
        return false;
    }
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        spdlog::info("{} exists: keeping it", path.string());
        return true;
    }
    say("sm-train: cannot write " + path.string() + ": " +
        (S_ISDIR(st.st_mode) ? "a directory is in the way" : "something that is not a file is in the way"));
    return false;
}

}  // namespace

void report_early(const Outcome& outcome, const std::filesystem::path& output_dir) {
    if (outcome.success()) return;
    write_failure_report(output_dir, failure_text(outcome));
}

int report(const Outcome& outcome, const std::optional<std::filesystem::path>& output_dir) {
    if (outcome.success()) {
        if (!output_dir) return 0;
        try {
            write_success_file(*output_dir);
        } catch (const Error& e) {
            say(std::string("sm-train: ") + e.what());
            return static_cast<int>(ExitCode::CannotWrite);
        }
        spdlog::info("Reporting training SUCCESS");
        return 0;
    }
    const std::string text = failure_text(outcome);
    if (outcome.own_failure) say(text);
    int code = outcome.exit_code;
    if (output_dir && !write_failure_report(*output_dir, text)) {
        // The reason must not be lost: stderr is the only place left. An own
        // failure keeps its code (it says why already); a program's is replaced.
        if (outcome.process_failure) {
            say("sm-train: the report was: " + text);
            code = static_cast<int>(ExitCode::CannotWrite);
        }
    }
    if (outcome.process_failure) {
        spdlog::error("Reporting training FAILURE");
        spdlog::error("Encountered exit_code {}", outcome.exit_code);
    } else if (outcome.own_failure && outcome.exit_code == static_cast<int>(ExitCode::Failure)) {
        spdlog::error("Reporting training FAILURE");
    }
    return code;
}

}  // namespace smtrain::launcher
