// SPDX-License-Identifier: Apache-2.0
#include "runners/host_launch.hpp"

#include "runners/commands.hpp"
#include "runners/tensorflow.hpp"

#include <smtrain/error.hpp>

namespace smtrain::runners {

std::vector<std::string> sshd_argv(const std::string& sshd) { return {sshd, "-D"}; }

HostLaunch host_launch(const Plan& plan, const std::string& sshd) {
    HostLaunch host;
    switch (plan.kind) {
        case RunnerKind::Process:
            host.launch = Launch{program_argv(plan.program), {}};
            return host;
        case RunnerKind::Mpi:
        case RunnerKind::SmDataParallel:
            host.daemons.push_back(sshd_argv(sshd));
            if (plan.cluster.current_host != plan.cluster.master) {
                host.role = HostRole::MpiWorker;
                return host;
            }
            host.role = HostRole::MpiMaster;
            host.label = plan.kind == RunnerKind::Mpi ? "MPI" : "SMDataParallel";
            host.launch = !plan.master_command.empty()   ? Launch{plan.master_command, {}}
                          : plan.kind == RunnerKind::Mpi ? mpi_master_command(plan)
                                                         : smddp_master_command(plan);
            return host;
        case RunnerKind::TorchDistributed:
            host.role = HostRole::Launcher;
            host.label = "torchrun";
            host.launch = torchrun_command(plan);
            return host;
        case RunnerKind::PyTorchXla:
            host.role = HostRole::Launcher;
            host.label = "PT-XLA";
            host.launch = xla_command(plan);
            return host;
        case RunnerKind::TfParameterServer:
            host.role = HostRole::ParameterServer;
            host.daemons.push_back(parameter_server_daemon(plan));
            host.launch = Launch{program_argv(plan.program), {}};  // the worker: the program itself
            return host;
    }
    throw Error("unknown runner", ExitCode::Internal);
}

}  // namespace smtrain::runners
