// SPDX-License-Identifier: Apache-2.0
// Every expected command line below is written out by hand from the toolkit's
// mpi.py / smdataparallel.py / torch_distributed.py / pytorch_xla.py.
#include "runners/commands.hpp"
#include "runners/mpi_cluster.hpp"
#include "runners/mpi_output.hpp"

#include <smtrain/error.hpp>

#include <gtest/gtest.h>

using namespace smtrain::runners;
using smtrain::EnvVars;
using Argv = std::vector<std::string>;

namespace {

Argv concat(std::initializer_list<Argv> parts) {
    Argv all;
    for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
    return all;
}

Plan mpi_plan(std::vector<std::string> hosts, int per_host) {
    Plan plan;
    plan.kind = RunnerKind::Mpi;
    plan.cluster.hosts = std::move(hosts);
    plan.cluster.master = plan.cluster.hosts.front();
    plan.cluster.current_host = plan.cluster.master;
    plan.cluster.network_interface = "ethw3";
    plan.cluster.instance_type = "ml.c5.xlarge";
    plan.processes_per_host = per_host;
    plan.program = {EntryKind::PythonProgram, "/usr/bin/python3", "train.py", {"-v", "--lr", "35"}};
    plan.exported = {{"SM_HOSTS", "[]"}, {"SM_CURRENT_HOST", "algo-1"}};
    plan.gethostname_shim = "/usr/local/bin/libsmtrain-gethostname.so";
    return plan;
}

// The fixed part of the toolkit's mpirun command for network interface ethw3.
Argv mpi_fixed(const std::string& hosts, const std::string& np, const std::string& nccl_debug = "INFO") {
    // Options with their values on one line, as on a command line:
    // clang-format off
    return {"mpirun", "--host", hosts, "-np", np, "--allow-run-as-root", "--display-map", "--tag-output",
            "-mca", "btl_tcp_if_include", "ethw3", "-mca", "oob_tcp_if_include", "ethw3",
            "-mca", "plm_rsh_no_tree_spawn", "1", "-bind-to", "none", "-map-by", "slot",
            "-mca", "pml", "ob1", "-mca", "btl", "^openib", "-mca", "orte_abort_on_non_zero_status", "1",
            "-mca", "btl_vader_single_copy_mechanism", "none",
            "-x", "NCCL_MIN_NRINGS=4", "-x", "NCCL_SOCKET_IFNAME=ethw3", "-x", "NCCL_DEBUG=" + nccl_debug,
            "-x", "LD_LIBRARY_PATH", "-x", "PATH",
            "-x", "LD_PRELOAD=/usr/local/bin/libsmtrain-gethostname.so"};
    // clang-format on
}

// The SM_* names, then PYTHONPATH: the toolkit's write_env_vars adds it to the
// same dict MasterRunner passes `-x` for, so ranks on every host get the code dir.
const Argv kExported = {"-x", "SM_HOSTS", "-x", "SM_CURRENT_HOST", "-x", "PYTHONPATH"};
const Argv kPythonProgram = {"/usr/bin/python3", "-m", "mpi4py", "train.py", "-v", "--lr", "35"};

}  // namespace

TEST(MpiMasterCommand, OneHostOneProcess) {
    const auto launch = mpi_master_command(mpi_plan({"algo-1"}, 1));
    EXPECT_EQ(launch.argv, concat({mpi_fixed("algo-1", "1"), kExported, kPythonProgram}));
    EXPECT_TRUE(launch.env.empty());
}

TEST(MpiMasterCommand, TwoHostsTwoProcessesWithCustomOptions) {
    auto plan = mpi_plan({"algo-1", "algo-2"}, 2);
    plan.custom_mpi_options = "-v --lr 35";  // the toolkit's test value: passed on as they are
    EXPECT_EQ(mpi_master_command(plan).argv,
              concat({mpi_fixed("algo-1:2,algo-2:2", "4"), {"-v", "--lr", "35"}, kExported, kPythonProgram}));
}

TEST(MpiMasterCommand, ThreeHostsWithNumProcessesAndNcclDebug) {
    auto plan = mpi_plan({"algo-1", "algo-2", "algo-3"}, 8);
    plan.num_processes = 12;
    plan.custom_mpi_options = "--NCCL_DEBUG WARN -x 'FI_LOG_LEVEL=warn debug'";
    EXPECT_EQ(mpi_master_command(plan).argv, concat({mpi_fixed("algo-1:8,algo-2:8,algo-3:8", "12", "WARN"),
                                                     {"-x", "FI_LOG_LEVEL=warn debug"},
                                                     kExported,
                                                     kPythonProgram}));
}

TEST(MpiMasterCommand, ZeroNumProcessesFallsBackAsTheToolkitsOr) {
    auto plan = mpi_plan({"algo-1", "algo-2", "algo-3"}, 1);
    plan.num_processes = 0;
    EXPECT_EQ(mpi_master_command(plan).argv,
              concat({mpi_fixed("algo-1,algo-2,algo-3", "3"), kExported, kPythonProgram}));
}

TEST(MpiMasterCommand, EfaRdmaInstanceAndCredentials) {
    auto plan = mpi_plan({"algo-1", "algo-2"}, 8);
    plan.cluster.instance_type = "ml.p4d.24xlarge";
    plan.parent = {{"AWS_SESSION_TOKEN", "t"}, {"AWS_ACCESS_KEY_ID", "k"}, {"AWS_REGION", "us-west-2"}};
    EXPECT_EQ(mpi_master_command(plan).argv,
              concat({mpi_fixed("algo-1:8,algo-2:8", "16"),
                      {"-x", "FI_PROVIDER=efa", "-x", "NCCL_PROTO=simple", "-x", "FI_EFA_USE_DEVICE_RDMA=1"},
                      {"-x", "AWS_ACCESS_KEY_ID", "-x", "AWS_SESSION_TOKEN"},
                      kExported,
                      kPythonProgram}));
}

TEST(MpiMasterCommand, EfaWithoutRdma) {
    auto plan = mpi_plan({"algo-1"}, 1);
    plan.cluster.instance_type = "ml.g5.48xlarge";
    EXPECT_EQ(mpi_master_command(plan).argv, concat({mpi_fixed("algo-1", "1"),
                                                     {"-x", "FI_PROVIDER=efa", "-x", "NCCL_PROTO=simple"},
                                                     kExported,
                                                     kPythonProgram}));
}

TEST(MpiMasterCommand, CommandAndPackageEntryPoints) {
    auto plan = mpi_plan({"algo-1", "algo-2"}, 2);
    plan.program = {EntryKind::Command, "", "train.sh", {"-v", "--lr", "35", "a b"}};
    EXPECT_EQ(
        mpi_master_command(plan).argv,
        concat({mpi_fixed("algo-1:2,algo-2:2", "4"), kExported, {"./train.sh", "-v", "--lr", "35", "a b"}}));
    plan.program = {EntryKind::PythonPackage, "python3", "my_pkg.py", {"--x", "1"}};
    EXPECT_EQ(mpi_master_command(plan).argv,
              concat({mpi_fixed("algo-1:2,algo-2:2", "4"),
                      kExported,
                      {"python3", "-m", "mpi4py", "-m", "my_pkg", "--x", "1"}}));
}

TEST(MpiMasterCommand, ModelParallelAdditions) {
    auto plan = mpi_plan({"algo-1"}, 1);
    plan.cluster.instance_type = "ml.p4d.24xlarge";
    plan.exported.emplace_back("SM_HP_MP_PARAMETERS", R"({"partitions":2})");
    plan.parent = {{"SM_DLC_TORCH_VERSION", "2.0.1"}};
    plan.smddpmprun_installed = true;
    EXPECT_EQ(modelparallel_args(plan), (Argv{"-x", "NCCL_PROTO=simple", "-x", "NCCL_ALGO=ring", "smddpmprun",
                                              "-i", "ml.p4d.24xlarge", "--allow-bypass"}));
    EXPECT_EQ(
        mpi_master_command(plan).argv,
        concat({mpi_fixed("algo-1", "1"),
                {"-x", "FI_PROVIDER=efa", "-x", "NCCL_PROTO=simple", "-x", "FI_EFA_USE_DEVICE_RDMA=1"},
                {"-x", "SM_HOSTS", "-x", "SM_CURRENT_HOST", "-x", "SM_HP_MP_PARAMETERS", "-x", "PYTHONPATH"},
                {"-x", "NCCL_PROTO=simple", "-x", "NCCL_ALGO=ring", "smddpmprun", "-i", "ml.p4d.24xlarge",
                 "--allow-bypass"},
                kPythonProgram}));
}

TEST(ModelParallel, VersionsBackendsAndOff) {
    auto plan = mpi_plan({"algo-1"}, 1);
    EXPECT_EQ(modelparallel_args(plan), Argv{});  // no SM_HP_MP_PARAMETERS
    plan.parent = {{"SM_HP_MP_PARAMETERS", "{}"}, {"SM_DLC_TORCH_VERSION", "2.0.0"}};
    EXPECT_EQ(modelparallel_args(plan), Argv{});  // "{}" means off
    plan.parent = {{"SM_HP_MP_PARAMETERS", R"({"ddp_dist_backend":"nccl"})"},
                   {"SM_DLC_TORCH_VERSION", "1.13.1"}};
    plan.smddpmprun_installed = true;
    EXPECT_EQ(modelparallel_args(plan), (Argv{"-x", "NCCL_PROTO=simple"}));
    plan.parent = {{"SM_HP_MP_PARAMETERS", R"({"a":1})"}};
    plan.smddpmprun_installed = false;
    EXPECT_EQ(modelparallel_args(plan), Argv{});  // auto, but smddpmprun is not installed
    plan.parent = {{"SM_HP_MP_PARAMETERS", "{not json"}};
    EXPECT_THROW(modelparallel_args(plan), smtrain::ConfigError);
    plan.parent = {{"SM_HP_MP_PARAMETERS", "{}"}, {"SM_DLC_TORCH_VERSION", "x.1"}};
    plan.exported = {{"SM_HP_MP_PARAMETERS", "[1]"}};  // the exported value wins
    EXPECT_THROW(modelparallel_args(plan), smtrain::Error);
}

namespace {
Plan smddp_plan(std::vector<std::string> hosts, int per_host, std::string instance_type) {
    auto plan = mpi_plan(std::move(hosts), per_host);
    plan.kind = RunnerKind::SmDataParallel;
    plan.cluster.network_interface = "eth0";
    plan.smddp_instance_type = std::move(instance_type);
    plan.smddprun_installed = true;
    return plan;
}

Argv smddp_fixed(const std::string& hosts, const std::string& np, const std::string& concurrent,
                 const std::string& flag, const std::string& nccl_debug = "INFO") {
    // Options with their values on one line, as on a command line:
    // clang-format off
    return {"mpirun", "--host", hosts, "-np", np, "--allow-run-as-root", "--tag-output", "--oversubscribe",
            "-mca", "btl_tcp_if_include", "eth0", "-mca", "oob_tcp_if_include", "eth0",
            "-mca", "plm_rsh_no_tree_spawn", "1", "-mca", "pml", "ob1", "-mca", "btl", "^openib",
            "-mca", "orte_abort_on_non_zero_status", "1", "-mca", "btl_vader_single_copy_mechanism", "none",
            "-mca", "plm_rsh_num_concurrent", concurrent,
            "-x", "NCCL_SOCKET_IFNAME=eth0", "-x", "NCCL_DEBUG=" + nccl_debug, "-x", "LD_LIBRARY_PATH", "-x", "PATH",
            "-x", flag};
    // clang-format on
}
const Argv kShim = {"-x", "LD_PRELOAD=/usr/local/bin/libsmtrain-gethostname.so"};
}  // namespace

TEST(SmddpCommand, SingleNodeOnEfa) {
    // One node: the bare host name, although 8 processes run there.
    EXPECT_EQ(smddp_master_command(smddp_plan({"algo-1"}, 8, "ml.p4d.24xlarge")).argv,
              concat({smddp_fixed("algo-1", "8", "1", "SMDATAPARALLEL_USE_SINGLENODE=1"),
                      {"-x", "FI_PROVIDER=efa", "-x", "RDMAV_FORK_SAFE=1"},
                      kShim,
                      {"-x", "NCCL_PROTO=simple", "-x", "FI_EFA_USE_DEVICE_RDMA=1"},
                      {"smddprun"},
                      kPythonProgram}));
}

TEST(SmddpCommand, MultiNodeWithoutEfaHasNoFiProvider) {
    auto plan = smddp_plan({"algo-1", "algo-2", "algo-3"}, 4, "ml.g5.12xlarge");
    plan.custom_mpi_options = "--NCCL_DEBUG=WARN -x SMDDP_X=1";
    plan.smddprun_installed = false;
    const auto expected =
        smddp_fixed("algo-1:4,algo-2:4,algo-3:4", "12", "3", "SMDATAPARALLEL_USE_HOMOGENEOUS=1", "WARN");
    EXPECT_EQ(smddp_master_command(plan).argv,
              concat({expected,
                      {"-x", "RDMAV_FORK_SAFE=1"},
                      kShim,
                      {"-x", "SMDDP_X=1"},
                      {"-x", "SMDATAPARALLEL_SERVER_ADDR=algo-1", "-x", "SMDATAPARALLEL_SERVER_PORT=7592",
                       "-x", "SAGEMAKER_INSTANCE_TYPE=ml.g5.12xlarge"},
                      kPythonProgram}));
}

namespace {
Plan torch_plan(std::vector<std::string> hosts, std::string current, int per_host, std::string type) {
    auto plan = mpi_plan(std::move(hosts), per_host);
    plan.kind = RunnerKind::TorchDistributed;
    plan.cluster.current_host = std::move(current);
    plan.cluster.network_interface = "eth0";
    plan.cluster.instance_type = std::move(type);
    return plan;
}
}  // namespace

TEST(TorchrunCommand, SingleNode) {
    const auto launch = torch_plan({"algo-1"}, "algo-1", 2, "ml.trn1.2xlarge");
    const auto command = torchrun_command(launch);
    EXPECT_EQ(command.argv,
              (Argv{"torchrun", "--nnodes", "1", "--nproc_per_node", "2", "train.py", "-v", "--lr", "35"}));
    EXPECT_EQ(command.env, (EnvVars{{"NCCL_SOCKET_IFNAME", "eth0"}, {"NCCL_PROTO", "simple"}}));
}

TEST(TorchrunCommand, EveryRankOfThreeHostsOnEfa) {
    const std::vector<std::string> hosts = {"algo-1", "algo-2", "algo-3"};
    for (std::size_t rank = 0; rank < hosts.size(); ++rank) {
        const auto command = torchrun_command(torch_plan(hosts, hosts[rank], 32, "ml.trn1.32xlarge"));
        EXPECT_EQ(command.argv, (Argv{"torchrun", "--nnodes", "3", "--nproc_per_node", "32", "--master_addr",
                                      "algo-1", "--master_port", "7777", "--node_rank", std::to_string(rank),
                                      "train.py", "-v", "--lr", "35"}));
        EXPECT_EQ(command.env, (EnvVars{{"FI_PROVIDER", "efa"},
                                        {"FI_EFA_USE_DEVICE_RDMA", "1"},
                                        {"RDMAV_FORK_SAFE", "1"},
                                        {"NCCL_SOCKET_IFNAME", "eth0"},
                                        {"NCCL_PROTO", "simple"}}));
    }
}

TEST(TorchrunCommand, NeuronParallelCompile) {
    auto plan = torch_plan({"algo-1", "algo-2"}, "algo-2", 32, "ml.trn1.32xlarge");
    plan.parent = {{"RUN_NEURON_PARALLEL_COMPILE", "1"}};
    EXPECT_EQ(torchrun_command(plan).argv,
              (Argv{"neuron_parallel_compile", "torchrun", "--nnodes", "2", "--nproc_per_node", "32",
                    "--master_addr", "algo-1", "--master_port", "7777", "--node_rank", "1", "train.py", "-v",
                    "--lr", "35"}));
    plan.parent = {{"RUN_NEURON_PARALLEL_COMPILE", "true"}};
    EXPECT_EQ(torchrun_command(plan).argv.front(), "torchrun");
}

TEST(TorchrunCommand, ErrorsOfTheToolkit) {
    auto plan = torch_plan({"algo-1"}, "algo-1", 1, "ml.c5.xlarge");
    plan.program.kind = EntryKind::PythonPackage;
    try {
        torchrun_command(plan);
        FAIL();
    } catch (const smtrain::Error& e) {
        EXPECT_STREQ(
            e.what(),
            "Python packages are not supported for torch_distributed. Please use a python script as the "
            "entry-point");
    }
    plan.program.kind = EntryKind::Command;
    try {
        torchrun_command(plan);
        FAIL();
    } catch (const smtrain::Error& e) {
        EXPECT_STREQ(e.what(), "Unsupported entry point type for torch_distributed");
    }
    auto outsider = torch_plan({"algo-1", "algo-2"}, "algo-3", 1, "ml.c5.xlarge");
    EXPECT_THROW(torchrun_command(outsider), smtrain::Error);
}

TEST(XlaCommand, TwoHosts) {
    auto plan = torch_plan({"algo-1", "algo-2"}, "algo-2", 8, "ml.p3.16xlarge");
    plan.kind = RunnerKind::PyTorchXla;
    plan.num_gpus = 8;
    const auto launch = xla_command(plan);
    EXPECT_EQ(launch.argv, (Argv{"/usr/bin/python3", "-m", "torch_xla.distributed.xla_spawn", "--num_gpus",
                                 "8", "train.py", "-v", "--lr", "35"}));
    EXPECT_EQ(launch.env, (EnvVars{{"NCCL_DEBUG", "info"},
                                   {"NCCL_PROTO", "simple"},
                                   {"FI_EFA_USE_DEVICE_RDMA", "1"},
                                   {"OFI_NCCL_NIC_DUP_CONNS", "8"},
                                   {"XRT_HOST_ORDINAL", "1"},
                                   {"XRT_SHARD_WORLD_SIZE", "2"},
                                   {"XRT_WORKERS", "localservice:0;algo-1:43857|localservice:1;algo-2:43857"},
                                   {"GPU_NUM_DEVICES", "8"},
                                   {"XRT_MESH_SERVICE_ADDRESS", "algo-1:53957"}}));
}

TEST(XlaCommand, OneHostHasNoMeshServiceAndGpusAreRequired) {
    auto plan = torch_plan({"algo-1"}, "algo-1", 1, "ml.p3.2xlarge");
    plan.num_gpus = 1;
    const auto launch = xla_command(plan);
    EXPECT_EQ(launch.env.back(), (std::pair<std::string, std::string>{"GPU_NUM_DEVICES", "1"}));
    plan.num_gpus = 0;
    try {
        xla_command(plan);
        FAIL();
    } catch (const smtrain::Error& e) {
        EXPECT_STREQ(e.what(), "Distributed training through PT-XLA is only supported for GPUs.");
    }
    plan.num_gpus = 1;
    plan.program.kind = EntryKind::Command;
    EXPECT_THROW(xla_command(plan), smtrain::Error);
}

// Each rank's own lines, read back from the rewritten tags (the per-rank
// evidence of issue 21); Open MPI's own lines and others are not a rank's.
TEST(MpiTags, ReadBackPerRank) {
    auto line = parse_rank_line("[1,mpirank:12,algo-4]<stderr>:ValueError: bad shard 17");
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->rank, 12);
    EXPECT_EQ(line->host, "algo-4");
    EXPECT_EQ(line->stream, "stderr");
    EXPECT_EQ(line->text, "ValueError: bad shard 17");
    line = parse_rank_line("[1,mpirank:0,algo-1]<stdout>:");
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->stream, "stdout");
    EXPECT_EQ(line->text, "");
    // Open MPI's trailing fragment tag, as seen from Open MPI 4.1 with Python's
    // print(..., file=sys.stderr): not part of the text.
    line = parse_rank_line(
        "[1,mpirank:0,algo-1]<stderr>:rank 0: waiting in a barrier[1,mpirank:0,algo-1]<stderr>:");
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->text, "rank 0: waiting in a barrier");
    // Another rank's tag at the end stays (it is text).
    line = parse_rank_line("[1,mpirank:0,algo-1]<stderr>:x[1,mpirank:1,algo-1]<stderr>:");
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->text, "x[1,mpirank:1,algo-1]<stderr>:");
    for (const char* other :
         {"[1,3]<stdout>:not rewritten", "Primary job  terminated normally, but 1 process returned",
          "[1,mpirank:,algo-1]<stdout>:x", "[1,mpirank:3,]<stdout>:x", "[1,mpirank:3,algo-1]<stdin>:x",
          "[1,mpirank:3 algo-1]<stdout>:x", "", "[1,mpirank:1234567890,algo-1]<stdout>:x"}) {
        EXPECT_FALSE(parse_rank_line(other).has_value()) << other;
    }
}

TEST(MpiTags, RewrittenWithRankAndHost) {
    const std::vector<std::string> hosts = {"algo-1", "algo-2"};
    EXPECT_EQ(rewrite_mpi_tags("[1,3]<stdout>:loss 0.5", 2, hosts), "[1,mpirank:3,algo-2]<stdout>:loss 0.5");
    EXPECT_EQ(rewrite_mpi_tags("[1,0]<stderr>:warn", 2, hosts), "[1,mpirank:0,algo-1]<stderr>:warn");
    EXPECT_EQ(rewrite_mpi_tags("[1,12]<stdout>:x", 4, hosts), "[1,mpirank:12,algo-4]<stdout>:x");
    EXPECT_EQ(rewrite_mpi_tags("no tag here", 1, hosts), "no tag here");
    // Only the stdout tags of a line that has one, as the toolkit does.
    EXPECT_EQ(rewrite_mpi_tags("[1,1]<stdout>:[1,0]<stderr>", 1, hosts),
              "[1,mpirank:1,algo-2]<stdout>:[1,0]<stderr>");
    // A two-digit job id is not a tag for the toolkit's regex.
    EXPECT_EQ(rewrite_mpi_tags("[12,1]<stdout>:x", 1, hosts), "[12,1]<stdout>:x");
}

TEST(EnvironmentFile, QuotedForPamEnv) {
    std::vector<std::string> skipped;
    const EnvVars vars = {{"A", "plain"}, {"SM_HPS", R"({"a":"b c"})"},
                          {"EMPTY", ""},  {"HASH", "a#b"},
                          {"NL", "a\nb"}, {"Q", "it's"}};
    EXPECT_EQ(environment_file_text(vars, &skipped),
              "A=\"plain\"\nSM_HPS=\"{\"a\":\"b c\"}\"\nEMPTY=\"\"\nQ=\"it's\"\n");
    EXPECT_EQ(skipped, (std::vector<std::string>{"HASH", "NL"}));
}

// ---- module entry points (ours: `-m pkg.module` or `pkg.module:`) -------------------------

TEST(ModuleEntry, DashMAndTrailingColonNameAModule) {
    EXPECT_EQ(module_entry("-m pkg.train"), "pkg.train");
    EXPECT_EQ(module_entry("-m  \tpkg"), "pkg");
    EXPECT_EQ(module_entry("pkg.sub.train:"), "pkg.sub.train");
    EXPECT_EQ(module_entry("_p1._t2:"), "_p1._t2");
}

TEST(ModuleEntry, AnythingElseIsNoModule) {
    for (const char* entry :
         {"train.py", "pkg.train", "train.sh", "-m", "-m ", "-mpkg", "-m pkg/train.py", "-m pkg..train",
          "-m .pkg", "-m pkg.", ":", "pkg.train:main", "1pkg:", "pkg-name:", "-m pkg train"}) {
        EXPECT_EQ(module_entry(entry), std::nullopt) << entry;
    }
}

TEST(ModuleEntry, EveryRunnerThatRunsPythonRunsTheModule) {
    const Program module{EntryKind::PythonModule, "/usr/bin/python3", "pkg.train", {"--lr", "35"}};
    EXPECT_EQ(program_argv(module), (Argv{"/usr/bin/python3", "-m", "pkg.train", "--lr", "35"}));
    EXPECT_EQ(mpi_program_argv(module),
              (Argv{"/usr/bin/python3", "-m", "mpi4py", "-m", "pkg.train", "--lr", "35"}));

    auto mpi = mpi_plan({"algo-1"}, 1);
    mpi.program = module;
    EXPECT_EQ(mpi_master_command(mpi).argv,
              concat({mpi_fixed("algo-1", "1"),
                      kExported,
                      {"/usr/bin/python3", "-m", "mpi4py", "-m", "pkg.train", "--lr", "35"}}));

    auto torch = torch_plan({"algo-1", "algo-2"}, "algo-2", 2, "ml.c5.xlarge");
    torch.program = module;
    EXPECT_EQ(torchrun_command(torch).argv,
              (Argv{"torchrun", "--nnodes", "2", "--nproc_per_node", "2", "--master_addr", "algo-1",
                    "--master_port", "7777", "--node_rank", "1", "-m", "pkg.train", "--lr", "35"}));
}

TEST(ProgramArgv, PackageNameLosesEachPyOnceAsPythonStrReplace) {
    // Python: "a.p.pyy".replace(".py", "") == "a.py" (no second pass over the result).
    const Program package{EntryKind::PythonPackage, "python3", "a.p.pyy", {}};
    EXPECT_EQ(program_argv(package), (Argv{"python3", "-m", "a.py"}));
}
