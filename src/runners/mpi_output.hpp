// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// mpirun's `--tag-output` prefixes, rewritten so a CloudWatch search finds
/// the rank and the host: `[1,3]<stdout>:` becomes `[1,mpirank:3,algo-2]<stdout>:`;
/// and read back, so that each rank's own lines can be told apart.
///
/// Errors: none.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::runners {

/// Rewrites every `[J,R]<stdout>` tag of a line (or every `[J,R]<stderr>` tag
/// when the line has no `<stdout>`), J one digit, as the toolkit's process.watch
/// does. The host of rank R is `hosts[R / processes_per_host]`; the toolkit
/// always writes `algo-<R / processes_per_host + 1>`, which is the same name
/// on SageMaker's homogeneous clusters, and that name is used when the rank
/// falls outside `hosts`.
std::string rewrite_mpi_tags(std::string_view line, int processes_per_host,
                             const std::vector<std::string>& hosts);

/// One line of a rank, as rewrite_mpi_tags() left it.
struct RankLine {
    int rank = 0;
    std::string_view host;    ///< algo-2
    std::string_view stream;  ///< "stdout" or "stderr"
    std::string_view text;    ///< what the rank wrote
};

/// The rank, host, stream and text of a line that starts with a rewritten
/// tag (`[1,mpirank:3,algo-2]<stderr>:text`); nullopt for any other line.
/// Open MPI sometimes tags the end of a line as a fragment of its own
/// (`text[1,3]<stderr>:`, rewritten): that trailing tag of the same rank is
/// not part of the text.
std::optional<RankLine> parse_rank_line(std::string_view line);

}  // namespace smtrain::runners
