// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The hosts of a failed job tell each other their root cause, so that every
/// host's report names the job's first failure, not only its own (with
/// torchrun on two hosts, the host whose rank lost its peer would otherwise
/// report "Connection closed by peer"). Each failed host answers on a TCP port
/// with its root cause for a bounded window while it reads the others'; a host
/// that does not answer within the window is simply not heard. A host whose
/// hang watchdog fired announces the hang (the others' collectives then failed
/// because sm-train stopped the hung ranks), and first sends it at once to
/// every other host, which listen for such notices while their program runs:
/// their own failure, or their own watchdog, may come well after the window.
/// The plain process runner's hosts announce when their program ended too: two
/// programs' own failures are told apart by time alone (nothing else says
/// which was the consequence of which).
///
/// Errors: none; what cannot be sent or read is not heard.

#include "launcher/lifecycle/root_cause.hpp"

#include "process/system.hpp"
#include "runners/host_announcement.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace smtrain::launcher {

struct HeardCause {
    std::string host;
    std::string cause;  ///< that host's one line: RootCause::to_string(), or its hang reason
    runners::CauseKind kind = runners::CauseKind::Failure;
    bool earlier = false;  ///< a notice heard while this host's program still ran
    /// When that host's program ended (ms since the epoch), when it said.
    std::optional<std::int64_t> ended_at_ms;
};

/// The kind of a root cause: a collective failure is a consequence.
runners::CauseKind kind_of(const RootCause& cause);

/// Parses what another host announced (runners::parse_announcement) into
/// `heard`, keeping its host; false when it is not an announcement.
bool parse_announcement(const std::string& text, HeardCause& heard);

/// Announces `text` (runners::announcement()) on `port` for `window` while reading the
/// announcements of `peers` on the same port (every 250 ms, until each answered
/// or the window ends). Returns what was heard, in the order of `peers`.
std::vector<HeardCause> exchange_causes(process::System& system, const std::string& text,
                                        const std::vector<std::string>& peers, int port,
                                        std::chrono::milliseconds window);

/// The job's first failure as this host knows it, when it is not this host's
/// own (of kind `own`): the first heard Failure, for a host whose own is a
/// Consequence or a Hang (a rank that died can leave its peers hung); else the
/// first heard Hang, for a Consequence, or for a Hang when that one was heard
/// while this host's program still ran (it fired first). With `own_ended_at_ms`
/// (the plain process runner), a host's own Failure too goes after the heard
/// Failure whose program ended first, when that was before its own. Empty when
/// its own is the one.
std::string first_failure_elsewhere(runners::CauseKind own, const std::vector<HeardCause>& heard,
                                    std::optional<std::int64_t> own_ended_at_ms = std::nullopt);

/// What a host does when another asks for its ranks' stacks (an MPI worker,
/// whose ranks mpirun on the master cannot reach): `ask_ranks` asks them and
/// says how many; `host` is this host's name, in the answer.
struct StacksAnswer {
    std::string host;
    std::function<std::size_t()> ask_ranks;
};

/// The hang notices of the other hosts, heard on `port` by a thread of its own
/// from construction to destruction (each ends within a second); with it the
/// requests for stacks (answered through `answer` when given, once, on that
/// thread: the answer goes back to the asking host's same port) and the
/// answers to this host's own requests.
class HangNotices {
public:
    HangNotices(process::System& system, int port, StacksAnswer answer = {});
    ~HangNotices();
    HangNotices(const HangNotices&) = delete;
    HangNotices& operator=(const HangNotices&) = delete;
    /// What was heard so far: each a Hang, `earlier` set.
    std::vector<HeardCause> heard() const;
    /// The hosts that said their ranks' stacks are written, so far.
    std::vector<runners::StacksWritten> stacks_written() const;

private:
    void take(const std::string& text);

    process::System& system_;
    int port_;
    StacksAnswer answer_;
    bool answered_ = false;  ///< the listener's thread only
    std::vector<runners::StacksWritten> written_;
    std::atomic<bool> done_{false};
    mutable std::mutex mutex_;
    std::vector<HeardCause> heard_;
    std::thread thread_;
};

/// The notice `host` sends of its hang `line`, and its parsing (false when it is not one).
std::string hang_notice(const std::string& host, const std::string& line);
bool parse_hang_notice(const std::string& text, HeardCause& heard);

/// Asks each of `peers` for its ranks' stacks (runners::stacks_request) on
/// `port`, at most `timeout` in all; returns those that took the request.
std::vector<std::string> ask_for_stacks(process::System& system, const std::vector<std::string>& peers,
                                        int port, const std::string& host, std::chrono::milliseconds timeout);

/// Whether every one of `asked` is among the hosts in `written`.
bool all_stacks_written(const std::vector<std::string>& asked,
                        const std::vector<runners::StacksWritten>& written);

/// Sends this host's hang notice to each of `peers` (at most 1 s each, 5 s in all).
void tell_of_hang(process::System& system, const std::vector<std::string>& peers, int port,
                  const std::string& host, const std::string& line);

}  // namespace smtrain::launcher
