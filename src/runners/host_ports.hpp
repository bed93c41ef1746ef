// SPDX-License-Identifier: Apache-2.0
#pragma once

/// The TCP ports on which the hosts' sm-train processes talk to each other,
/// besides what the program and its launcher use (docs/reliability.md).
namespace smtrain::runners {

/// Why a host's job ended, answered to every peer that asks for a bounded
/// window: torchrun's and the plain program's first failures and hangs
/// (src/launcher/lifecycle/failure_exchange.hpp), an MPI or parameter-server host whose
/// daemon died.
inline constexpr int kFailureExchangePort = 7781;

/// A hang, told at once to the other hosts, which listen while their program
/// runs with the watchdog on.
inline constexpr int kHangNoticePort = 7782;

}  // namespace smtrain::runners
