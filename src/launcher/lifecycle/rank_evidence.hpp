// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// Each rank's own evidence, for the diagnostics file and the hang report
/// (issue 21): its last lines, its exit, its Python stacks, and which ranks
/// printed last before a hang. What each launcher makes possible:
/// - mpirun tags every line with its rank (`--tag-output`, rewritten with the
///   host by runners/mpi_output.hpp): RankLines reads the tags as the lines
///   pass, so each rank's last lines, when it printed last, and the stacks it
///   wrote after the watchdog fired are its own.
/// - torchrun's workers share its stderr, untagged (Debian's torch 1.13 on
///   Python 3.11 cannot use --tee/--redirects, which would give each worker a
///   file): a line there cannot be given to a rank, unless torch tagged it
///   (`[rankN]:`, `[defaultN]:`) or the host runs one worker. What can: the
///   per-worker exits, errors and, where so told apart, last lines of
///   torchrun's summary (root_cause.hpp's torchrun_failures), and the stacks
///   the watchdog asks for one rank at a time, told apart by their order
///   (stacks_in_order()).
///
/// Errors: none.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::launcher {

/// What is known of one rank.
struct RankReport {
    int rank = 0;
    std::optional<int> local_rank;
    std::string host;
    std::vector<std::string> last_lines;  ///< its own last lines (before the hang, when one was seen)
    std::optional<double> silent_s;       ///< seconds from its last line to the watchdog firing
    std::optional<int> exit_code;         ///< when its launcher reported it (128+N: signal N)
    int signal = 0;
    std::string error;   ///< its own error line, when known
    std::string stacks;  ///< its Python stacks (faulthandler), when they could be told apart
    std::string source;  ///< how its evidence was told apart from the other ranks'
};

/// The lines of each rank of an MPI job, from the rewritten tags
/// (`[1,mpirank:3,algo-2]<stderr>:text`), bounded: kLastLines lines per rank
/// before the hang, kStackLines after it, each cut at kLineBytes, at most
/// kMaxRanks ranks. Lines without a tag (mpirun's own) are not a rank's.
/// Fed from one thread (the supervisor's), read after the run.
class RankLines {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kLastLines = 20;
    static constexpr std::size_t kStackLines = 200;
    static constexpr std::size_t kLineBytes = 512;
    static constexpr std::size_t kMaxRanks = 4096;

    /// One whole line as the log shows it.
    void observe(std::string_view line, Clock::time_point now = Clock::now());
    /// The watchdog fired now: the lines before are each rank's last, those
    /// after its stacks.
    void hang_seen(Clock::time_point now = Clock::now());

    /// One report per rank that printed, by rank.
    std::vector<RankReport> reports() const;

private:
    struct Rank {
        std::string host;
        std::deque<std::string> lines;
        Clock::time_point last_at;
        std::vector<std::string> stacks;
    };
    std::map<int, Rank> ranks_;
    std::optional<Clock::time_point> hang_at_;
};

/// A process the watchdog asked for its stacks, with the rank its environment
/// names (torchrun's RANK and LOCAL_RANK), in the order asked.
struct AskedRank {
    pid_t pid = 0;
    std::optional<int> rank;
    std::optional<int> local_rank;
};

/// The Python stacks of `asked` processes in their shared `stderr`: the last
/// `asked` faulthandler dumps ("Fatal Python error: Aborted" up to its
/// "Extension modules:" line, or the next dump), in the order written, which
/// is the order asked (the watchdog asks the next once the last has ended).
/// Empty when fewer dumps than that are there: which is whose is then unknown.
std::vector<std::string> stacks_in_order(std::string_view stderr_text, std::size_t asked);

/// Adds `more` to `into`, by rank: what a report of `into` lacks is taken
/// from the one of `more` for the same rank; the result is ordered by rank.
void merge_reports(std::vector<RankReport>& into, const std::vector<RankReport>& more);

/// The ranks whose last line before the hang is known, the latest first.
std::vector<const RankReport*> by_last_line(const std::vector<RankReport>& reports);

/// The hang report's line of the ranks by their last line, the latest first:
/// `Last to print (rank tags): rank 1 on algo-1, 5.0 s before the watchdog
/// fired: "rank 1: loading shard 17"; then rank 0 on algo-1, 7.1 s before: "..."`
/// (at most 8 ranks, each line cut at 100 bytes); empty when no rank's last
/// line is known.
std::string last_to_print(const std::vector<RankReport>& reports);

}  // namespace smtrain::launcher
