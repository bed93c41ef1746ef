// SPDX-License-Identifier: Apache-2.0
// What each host launches (runners::host_launch), per runner and host role:
// the one answer the launcher shows and run_distributed runs. Expected argv
// written by hand from the toolkit's runners and the TensorFlow container.
#include "runners/host_launch.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

#include <algorithm>

using namespace smtrain::runners;
using Argv = std::vector<std::string>;

namespace {

Plan plan_of(RunnerKind kind, std::string current) {
    Plan plan;
    plan.kind = kind;
    plan.all_hosts = {"algo-1", "algo-2"};
    plan.cluster.hosts = plan.all_hosts;
    plan.cluster.master = "algo-1";
    plan.cluster.current_host = std::move(current);
    plan.cluster.network_interface = "eth0";
    plan.cluster.instance_type = "ml.c5.xlarge";
    plan.program = {EntryKind::PythonProgram, "/usr/bin/python3", "train.py", {"--lr", "0.1"}};
    plan.num_gpus = 2;
    return plan;
}

const Argv kProgram = {"/usr/bin/python3", "train.py", "--lr", "0.1"};
const Argv kSshd = {"/opt/sshd", "-D"};

}  // namespace

TEST(HostLaunch, APlainProcessRunsTheProgramAndNoDaemon) {
    const HostLaunch host = host_launch(plan_of(RunnerKind::Process, "algo-2"), "/opt/sshd");
    EXPECT_EQ(host.role, HostRole::Program);
    EXPECT_TRUE(host.label.empty());
    EXPECT_EQ(host.launch.argv, kProgram);
    EXPECT_TRUE(host.launch.env.empty());
    EXPECT_TRUE(host.daemons.empty());
}

TEST(HostLaunch, AnMpiWorkerRunsOnlySshd) {
    for (RunnerKind kind : {RunnerKind::Mpi, RunnerKind::SmDataParallel}) {
        const HostLaunch host = host_launch(plan_of(kind, "algo-2"), "/opt/sshd");
        EXPECT_EQ(host.role, HostRole::MpiWorker);
        EXPECT_TRUE(host.launch.argv.empty());
        EXPECT_EQ(host.daemons, std::vector<Argv>{kSshd});
    }
}

TEST(HostLaunch, TheMpiMasterRunsSshdThenMpirunOrTheCommandItWasGiven) {
    const HostLaunch host = host_launch(plan_of(RunnerKind::Mpi, "algo-1"), "/opt/sshd");
    EXPECT_EQ(host.role, HostRole::MpiMaster);
    EXPECT_EQ(host.label, "MPI");
    EXPECT_EQ(host.daemons, std::vector<Argv>{kSshd});
    ASSERT_FALSE(host.launch.argv.empty());
    EXPECT_EQ(host.launch.argv.front(), "mpirun");
    EXPECT_EQ(Argv(host.launch.argv.end() - 6, host.launch.argv.end()),
              (Argv{"/usr/bin/python3", "-m", "mpi4py", "train.py", "--lr", "0.1"}));

    const HostLaunch smddp = host_launch(plan_of(RunnerKind::SmDataParallel, "algo-1"), "/opt/sshd");
    EXPECT_EQ(smddp.role, HostRole::MpiMaster);
    EXPECT_EQ(smddp.label, "SMDataParallel");
    EXPECT_EQ(smddp.daemons, std::vector<Argv>{kSshd});

    auto v3 = plan_of(RunnerKind::Mpi, "algo-1");
    v3.master_command = {"mpirun", "--host", "algo-1,algo-2", "./train.sh"};
    EXPECT_EQ(host_launch(v3, "/opt/sshd").launch.argv, v3.master_command);
    // A worker of that job still runs only sshd.
    v3.cluster.current_host = "algo-2";
    EXPECT_TRUE(host_launch(v3, "/opt/sshd").launch.argv.empty());
}

TEST(HostLaunch, TorchrunAndXlaRunTheirLauncherWithTheirVariables) {
    const HostLaunch torch = host_launch(plan_of(RunnerKind::TorchDistributed, "algo-2"), "/opt/sshd");
    EXPECT_EQ(torch.role, HostRole::Launcher);
    EXPECT_EQ(torch.launch.argv.front(), "torchrun");
    EXPECT_EQ(torch.label, "torchrun");
    EXPECT_TRUE(torch.daemons.empty());
    const HostLaunch xla = host_launch(plan_of(RunnerKind::PyTorchXla, "algo-2"), "/opt/sshd");
    EXPECT_EQ(xla.role, HostRole::Launcher);
    EXPECT_EQ(xla.label, "PT-XLA");
    EXPECT_EQ(Argv(xla.launch.argv.begin(), xla.launch.argv.begin() + 3),
              (Argv{"/usr/bin/python3", "-m", "torch_xla.distributed.xla_spawn"}));
    const auto ordinal = std::find(xla.launch.env.begin(), xla.launch.env.end(),
                                   std::pair<std::string, std::string>{"XRT_HOST_ORDINAL", "1"});
    EXPECT_NE(ordinal, xla.launch.env.end());
}

TEST(HostLaunch, AParameterServerHostRunsThePsWithItsTfConfigThenTheProgram) {
    auto plan = plan_of(RunnerKind::TfParameterServer, "algo-2");
    plan.framework_env = {{"TF_CONFIG", R"({"cluster": {}})"}};
    const HostLaunch host = host_launch(plan, "/opt/sshd");
    EXPECT_EQ(host.role, HostRole::ParameterServer);
    EXPECT_EQ(host.launch.argv, kProgram);
    ASSERT_EQ(host.daemons.size(), 1u);
    const Argv& ps = host.daemons.front();
    ASSERT_EQ(ps.size(), 5u);
    EXPECT_EQ(ps[0], "/usr/bin/python3");
    EXPECT_EQ(ps[1], "-c");
    EXPECT_EQ(ps[3], R"({"cluster": {}})");
    EXPECT_EQ(ps[4], "1");  // algo-2's index in the hosts

    plan.cluster.current_host = "algo-9";
    EXPECT_THROW(host_launch(plan, "/opt/sshd"), smtrain::Error);
}
