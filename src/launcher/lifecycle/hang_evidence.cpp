// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/hang_evidence.hpp"

#include "launcher/lifecycle/process_tree.hpp"
#include "runners/mpi_output.hpp"

#include <spdlog/spdlog.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>

namespace smtrain::launcher {
namespace fs = std::filesystem;
namespace {

bool is_launcher(runners::RunnerKind kind) {
    return kind != runners::RunnerKind::Process && kind != runners::RunnerKind::TfParameterServer;
}

/// The value of `name` in `pid`'s environment, as it started; nullopt when unset.
std::optional<std::string> environment_value(pid_t pid, std::string_view name) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    for (std::string entry; std::getline(in, entry, '\0');) {
        if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
            entry[name.size()] == '=')
            return entry.substr(name.size() + 1);
    }
    return std::nullopt;
}

std::optional<int> environment_int(pid_t pid, std::string_view name) {
    const auto value = environment_value(pid, name);
    if (!value || value->empty() || value->size() > 9 ||
        value->find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stoi(*value);
}

/// A Python interpreter (the executable's name starts with "python") whose
/// environment turns faulthandler on: SIGABRT makes it write its stacks.
bool dumps_stacks_on_abort(pid_t pid) {
    std::error_code ec;
    const fs::path proc = "/proc/" + std::to_string(pid);
    if (!fs::read_symlink(proc / "exe", ec).filename().string().starts_with("python") || ec) return false;
    const auto value = environment_value(pid, "PYTHONFAULTHANDLER");
    return value && !value->empty();
}

/// The process's name (/proc/PID/comm); empty when it is gone.
std::string command_name(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(in, name);
    return name;
}

/// Gone, or a zombie: its stacks are written (its parent, paused, cannot reap it).
bool has_ended(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    std::getline(in, stat);
    const std::size_t paren = stat.rfind(')');
    return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z' ||
           stat[paren + 2] == 'X';
}

}  // namespace

std::vector<std::string> add_hang_evidence_variables(Environ& program_env, const fs::path& output_dir) {
    const fs::path data = output_dir / "data";
    std::error_code ec;
    fs::create_directories(data, ec);
    const std::pair<const char*, std::string> wanted[] = {
        {"PYTHONFAULTHANDLER", "1"},
        {"PYTHONUNBUFFERED", "1"},
        {"TORCH_NCCL_TRACE_BUFFER_SIZE", "2000"},
        {"TORCH_NCCL_DUMP_ON_TIMEOUT", "1"},
        {"TORCH_NCCL_DEBUG_INFO_TEMP_FILE", (data / "nccl_trace_rank_").string()},
    };
    std::vector<std::string> set;
    for (const auto& [name, value] : wanted) {
        if (program_env.find(std::string_view(name)) != program_env.end()) continue;  // the user's wins
        program_env.insert_or_assign(name, value);
        set.emplace_back(name);
    }
    return set;
}

std::vector<pid_t> ranks_for_stacks(pid_t program, runners::RunnerKind kind) {
    std::vector<pid_t> candidates;
    if (!is_launcher(kind)) candidates.push_back(program);
    for (pid_t pid : descendants_of(program)) candidates.push_back(pid);
    std::vector<pid_t> ranks;
    std::string pids;
    for (pid_t pid : candidates) {
        if (!dumps_stacks_on_abort(pid)) continue;
        ranks.push_back(pid);
        pids += (pids.empty() ? "" : ", ") + std::to_string(pid);
    }
    if (ranks.empty()) {
        spdlog::warn("Hang: no Python process with faulthandler on to ask for its stacks");
        return ranks;
    }
    if (is_launcher(kind)) ::kill(program, SIGSTOP);
    spdlog::warn("Hang: SIGABRT to {} Python process(es) in turn for their stacks (faulthandler): pid {}",
                 ranks.size(), pids);
    return ranks;
}

std::size_t dump_stacks_of_local_ranks(const std::vector<std::string>& daemon_names,
                                       std::chrono::milliseconds budget) {
    using Clock = std::chrono::steady_clock;
    std::vector<pid_t> daemons;
    std::vector<pid_t> ranks;
    for (pid_t pid : descendants_of(::getpid())) {
        const std::string name = command_name(pid);
        if (std::find(daemon_names.begin(), daemon_names.end(), name) != daemon_names.end())
            daemons.push_back(pid);
        else if (dumps_stacks_on_abort(pid))
            ranks.push_back(pid);
    }
    if (ranks.empty()) {
        spdlog::warn("Hang on the master: no Python process with faulthandler on here to ask for its stacks");
        return 0;
    }
    for (pid_t pid : daemons) ::kill(pid, SIGSTOP);
    spdlog::warn(
        "Hang on the master: SIGABRT to {} Python process(es) in turn for their stacks (faulthandler): pid "
        "{}",
        ranks.size(), fmt::join(ranks, ", "));
    const auto deadline = Clock::now() + budget;
    std::size_t asked = 0;
    for (pid_t pid : ranks) {
        if (Clock::now() >= deadline) break;
        if (::kill(pid, SIGABRT) != 0) continue;  // gone meanwhile
        ++asked;
        const auto until = std::min(deadline, Clock::now() + std::chrono::seconds(1));
        while (!has_ended(pid) && Clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // The daemons now forward the dumps, and tell mpirun of the ranks' ends.
    for (pid_t pid : daemons) ::kill(pid, SIGCONT);
    return asked;
}

AskedRank asked_rank(pid_t pid) {
    return AskedRank{pid, environment_int(pid, "RANK"), environment_int(pid, "LOCAL_RANK")};
}

HangStacks hang_stacks(const process::Hang& hang, const std::vector<runners::StacksWritten>& written) {
    HangStacks stacks;
    stacks.here = hang.stacks_requested;
    for (const auto& w : written) stacks.elsewhere += w.ranks;
    stacks.hosts_elsewhere = written.size();
    return stacks;
}

std::string stacks_clause(const HangStacks& stacks) {
    if (stacks.total() == 0) return "; no Python process to ask for its stacks";
    const std::string where =
        stacks.hosts_elsewhere == 0
            ? ""
            : fmt::format(" here and of {} on {} other host(s)", stacks.elsewhere, stacks.hosts_elsewhere);
    return fmt::format("; the Python stacks of {} process(es){} are in the log (SIGABRT, faulthandler)",
                       stacks.here, where);
}

void show_the_last_line_as_logged(process::Hang& hang, const process::LineRewriter& rewriter) {
    if (!rewriter || hang.last_line.empty()) return;
    std::string shown = rewriter(hang.last_line);
    if (const auto line = runners::parse_rank_line(shown)) {
        // The text ends before a trailing fragment tag: keep the tag in front and the text.
        const std::size_t text_at = static_cast<std::size_t>(line->text.data() - shown.data());
        shown = shown.substr(0, text_at) + std::string(line->text);
    }
    if (shown.empty()) return;  // a line the rewriter drops from the log: quoted as it came
    const std::string quoted = "\"" + hang.last_line + "\"";
    const std::size_t at = hang.reason.find(quoted);
    if (at == std::string::npos) return;
    hang.reason.replace(at, quoted.size(), "\"" + shown + "\"");
    hang.last_line = std::move(shown);
}

}  // namespace smtrain::launcher
