// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The command lines of the distributed runners, built exactly as the toolkit
/// builds them (mpi.py, smdataparallel.py, torch_distributed.py,
/// pytorch_xla.py). Pure functions of a Plan: nothing here touches the system.
///
/// Errors (the runners layer's convention: a job the toolkit would refuse
/// throws smtrain::Error with the toolkit's message and ExitCode::BadConfig;
/// the side effects, and their errors, are process::System's): as each
/// function says.

#include "runners/plan.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtrain::runners {

/// The program as a plain process runs it: `python train.py args`,
/// `python -m pkg args` (the package's name with every ".py" removed, as
/// Python's str.replace does), `python -m pkg.module args`, or
/// `./train.sh args` (no shell). The one builder of the program's argv: the
/// launcher's plain process runs this too.
std::vector<std::string> program_argv(const Program& program);

/// The module an entry point names, if it names one: `-m pkg.module` (blanks
/// after -m) or `pkg.module:` give "pkg.module". Anything else (a file name, a
/// name that is not a dotted Python identifier) is nullopt.
std::optional<std::string> module_entry(std::string_view entry_point);

/// The program as an MPI rank runs it: Python gets `-m mpi4py` first, so an
/// uncaught exception aborts every rank instead of hanging the others.
std::vector<std::string> mpi_program_argv(const Program& program);

/// What a caller of mpirun_start() adds to the shared options.
struct MpirunExtras {
    bool oversubscribe = false;             ///< `--oversubscribe` after `--tag-output`
    std::optional<std::string> nccl_debug;  ///< `-x NCCL_DEBUG=<value>` after NCCL_SOCKET_IFNAME
};

/// The start of mpirun's command line that smddprun's master (smdataparallel.py,
/// with both extras) and the SDK v3 MPI driver (with neither) share: `mpirun
/// --host <hosts> -np <processes> --allow-run-as-root --tag-output`, the eight
/// `-mca` options over the cluster's network interface and host count, then
/// `-x NCCL_SOCKET_IFNAME=<nic> -x LD_LIBRARY_PATH -x PATH`.
std::vector<std::string> mpirun_start(const Cluster& cluster, const std::string& hosts,
                                      std::int64_t processes, const MpirunExtras& extras);

/// `mpirun ...` on the MPI master (mpi.MasterRunner._create_command).
Launch mpi_master_command(const Plan& plan);

/// `mpirun ... smddprun program` on the smddprun master
/// (smdataparallel.SMDataParallelRunner). Unlike the toolkit,
/// `-x FI_PROVIDER=efa` is passed only on EFA instance types.
Launch smddp_master_command(const Plan& plan);

/// The model-parallel additions to mpirun (mpi._modelparallel_environment_command):
/// NCCL_PROTO/NCCL_ALGO for PyTorch DLCs and `smddpmprun -i TYPE --allow-bypass`.
std::vector<std::string> modelparallel_args(const Plan& plan);

/// `torchrun --nnodes N --nproc_per_node P [...] train.py args` (`-m pkg.module
/// args` for a module) and the NCCL/EFA variables
/// (torch_distributed.TorchDistributedRunner). Throws smtrain::Error (the
/// toolkit's ClientError text) for a Python package or a command.
Launch torchrun_command(const Plan& plan);

/// `python -m torch_xla.distributed.xla_spawn --num_gpus N train.py args` and
/// the XRT_* variables (pytorch_xla.PyTorchXLARunner). Throws smtrain::Error
/// (the toolkit's SMTrainingCompilerConfigurationError text) for a package, a
/// command, or a host without GPUs.
Launch xla_command(const Plan& plan);

/// The first precondition of PT-XLA, checked before the imports: GPUs on this host.
void check_xla_gpus(const Plan& plan);

/// `hosts.index(current_host)`; throws smtrain::Error when the host is not a distribution host.
std::size_t host_rank(const Cluster& cluster);

}  // namespace smtrain::runners
