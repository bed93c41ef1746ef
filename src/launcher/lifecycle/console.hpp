// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// sm-train's own words on stderr, and the process duties every command that
/// runs a job sets up first.
///
/// Every line goes through process::stderr_sink(), the sink the program's
/// relayed stderr and the log go through: one queue, so sm-train's lines and
/// the program's keep their order, and a stalled reader of stderr stalls none
/// of them (the sink queues, see output_sink.hpp).
///
/// Errors: none thrown; a line that cannot be written is dropped (and counted
/// by the sink).

#include <string_view>

namespace smtrain::launcher {

/// Writes `line` and a newline to stderr.
void say(std::string_view line);

/// Makes sm-train the reaper of the program's orphans: PID 1 already is; any
/// other pid asks to be a child subreaper, and says so on stderr when refused
/// (the job still runs; orphans then go to the real init).
void become_reaper_of_orphans();

}  // namespace smtrain::launcher
