// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Evidence of a hang (issue 21, items 3 and 6): what the program gets when
/// the hang watchdog is on, and how its ranks are asked for their stacks when
/// it fires (docs/reliability.md, "Hang watchdog").
///
/// Python's faulthandler (PYTHONFAULTHANDLER) writes every thread's stack to
/// stderr on SIGABRT before the process dies of it; a stack dump cannot be
/// asked for from outside without killing the process unless the program
/// registered a handler itself (faulthandler.register). So the dump is the
/// first step of the stop: SIGABRT to each rank (never to torchrun or mpirun,
/// which would tear the job down before the ranks had written anything), then
/// the supervisor's usual stop. Errors: none thrown.

#include "launcher/lifecycle/rank_evidence.hpp"
#include "process/supervisor.hpp"
#include "process/watchdog.hpp"
#include "runners/choose.hpp"
#include "runners/host_announcement.hpp"

#include <smtrain/environ.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace smtrain::launcher {

/// Sets, each only when the environment does not have it already:
/// PYTHONFAULTHANDLER=1, PYTHONUNBUFFERED=1 (a block-buffered stdout would
/// hide the lines the watchdog waits for), and PyTorch's NCCL flight recorder:
/// TORCH_NCCL_TRACE_BUFFER_SIZE=2000, TORCH_NCCL_DUMP_ON_TIMEOUT=1,
/// TORCH_NCCL_DEBUG_INFO_TEMP_FILE=<output>/data/nccl_trace_rank_ (torch adds the
/// rank), creating output/data. Returns the names it set.
std::vector<std::string> add_hang_evidence_variables(Environ& program_env,
                                                     const std::filesystem::path& output_dir);

/// Every Python process of the program's tree that has faulthandler on
/// (PYTHONFAULTHANDLER non-empty in its environment), for the watchdog to send
/// SIGABRT to, one after the other: the program itself and its descendants,
/// except the program when `kind`'s program is a launcher (torchrun, mpirun,
/// smddprun, XLA's). Such a launcher is paused (SIGSTOP) meanwhile, so that
/// it does not stop the ranks not yet asked when the first one dies; the
/// supervisor's stop resumes it (SIGCONT after SIGTERM).
std::vector<pid_t> ranks_for_stacks(pid_t program, runners::RunnerKind kind);

/// An MPI worker asked by its master (whose watchdog fired) for its ranks'
/// stacks: the Python processes with faulthandler on among this process's
/// descendants (the ranks the MPI daemon runs, started through the sshd this
/// host's sm-train started: this job's only), each sent SIGABRT in turn (the
/// next once the last has ended, 1 s at most each, `budget` in all) while the
/// MPI daemons among the descendants (`daemon_names`: orted, prted) are paused
/// (SIGSTOP), so that none of them tells mpirun of a rank's end before all
/// have written; then they are resumed (SIGCONT) and forward the dumps to
/// mpirun. Returns how many ranks were asked.
std::size_t dump_stacks_of_local_ranks(const std::vector<std::string>& daemon_names,
                                       std::chrono::milliseconds budget);

/// The hang's reason with its last line as the log shows it: through the
/// runner's line rewriter (MPI's rank tags, `[1,2]<stdout>:` ->
/// `[1,mpirank:2,algo-2]<stdout>:`), less the fragment tag Open MPI sometimes
/// leaves at a line's end. The watchdog reads the bytes before the rewriter
/// does. No rewriter or no last line: the reason unchanged.
void show_the_last_line_as_logged(process::Hang& hang, const process::LineRewriter& rewriter);

/// Whose Python stacks a hang asked for, counted once for the hang's reason
/// and the diagnostics file: this host's processes (the watchdog's SIGABRTs,
/// process::Hang::stacks_requested) and, on an MPI master, the ranks its
/// workers were asked for and said they sent SIGABRT to (their
/// runners::StacksWritten answers).
struct HangStacks {
    std::size_t here = 0;
    std::size_t elsewhere = 0;        ///< the other hosts' ranks
    std::size_t hosts_elsewhere = 0;  ///< the other hosts that answered
    std::size_t total() const { return here + elsewhere; }
};

/// The stacks of `hang` here and of the other hosts' answers `written`.
HangStacks hang_stacks(const process::Hang& hang, const std::vector<runners::StacksWritten>& written);

/// The reason's words for them: `; the Python stacks of 2 process(es) here and
/// of 2 on 1 other host(s) are in the log (SIGABRT, faulthandler)` (without
/// "here and of ..." when no other host answered), or `; no Python process to
/// ask for its stacks`.
std::string stacks_clause(const HangStacks& stacks);

/// The rank `pid`'s environment names (RANK and LOCAL_RANK, as torchrun sets
/// them for its workers), read before it is asked for its stacks.
AskedRank asked_rank(pid_t pid);

}  // namespace smtrain::launcher
