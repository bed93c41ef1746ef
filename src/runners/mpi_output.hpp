// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// mpirun's `--tag-output` prefixes, rewritten so a CloudWatch search finds
/// the rank and the host: `[1,3]<stdout>:` becomes `[1,mpirank:3,algo-2]<stdout>:`.
///
/// Errors: none.

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

}  // namespace smtrain::runners
