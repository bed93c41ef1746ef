// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// `sagemaker_mpi_custom_mpi_options`: a string of mpirun options written by the user.
///
/// Errors (the runners layer's convention): smtrain::Error(BadConfig) naming
/// the option, for custom MPI options the toolkit's parser would refuse.

#include <string>
#include <string_view>
#include <vector>

namespace smtrain::runners {

/// Splits `text` as a POSIX shell would split words (Python's `shlex.split`):
/// blanks separate words, '...' is literal, "..." keeps blanks and honours
/// \" and \\, a backslash outside quotes escapes the next character.
/// Throws smtrain::Error on an unclosed quote or a trailing backslash.
std::vector<std::string> shell_split(std::string_view text);

struct CustomMpiOptions {
    std::string nccl_debug = "INFO";      ///< `--NCCL_DEBUG X` overrides the toolkit's -x NCCL_DEBUG=INFO
    std::vector<std::string> additional;  ///< every other word, passed to mpirun as given
};

/// Parses the options as the toolkit does (argparse `parse_known_args` with
/// one known option, `--NCCL_DEBUG`, accepted as `--NCCL_DEBUG X`,
/// `--NCCL_DEBUG=X` or an unambiguous prefix such as `--NCCL_DEB X`; the last
/// one wins; everything after `--` is passed on). Unlike the toolkit, the
/// words are split as a shell would split them, so a quoted value keeps its
/// blanks. `what` names the hyperparameter in error messages.
CustomMpiOptions parse_custom_mpi_options(std::string_view text, std::string_view what);

}  // namespace smtrain::runners
