// SPDX-License-Identifier: Apache-2.0
#include "hang_evidence.hpp"

#include "process_tree.hpp"

#include <spdlog/spdlog.h>

#include <signal.h>

#include <fstream>
#include <iterator>
#include <string>

namespace smtrain::launcher {
namespace fs = std::filesystem;
namespace {

bool is_launcher(runners::RunnerKind kind) {
    return kind != runners::RunnerKind::Process && kind != runners::RunnerKind::TfParameterServer;
}

/// A Python interpreter (the executable's name starts with "python") whose
/// environment turns faulthandler on: SIGABRT makes it write its stacks.
bool dumps_stacks_on_abort(pid_t pid) {
    std::error_code ec;
    const fs::path proc = "/proc/" + std::to_string(pid);
    if (!fs::read_symlink(proc / "exe", ec).filename().string().starts_with("python") || ec) return false;
    std::ifstream in(proc / "environ", std::ios::binary);
    std::string env;
    for (std::string entry; std::getline(in, entry, '\0');) env += entry + '\0';
    std::size_t start = 0;
    while (start < env.size()) {
        std::size_t end = env.find('\0', start);
        if (end == std::string::npos) end = env.size();
        const std::string_view entry(env.data() + start, end - start);
        if (entry.starts_with("PYTHONFAULTHANDLER=")) return entry.size() > sizeof("PYTHONFAULTHANDLER=") - 1;
        start = end + 1;
    }
    return false;
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

}  // namespace smtrain::launcher
