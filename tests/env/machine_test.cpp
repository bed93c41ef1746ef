// SPDX-License-Identifier: Apache-2.0
// Machine probes against fake nvidia-smi / neuron-ls / smddprun programs on PATH.
#include "env_test_util.hpp"
#include "lib/machine_probe.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace smtrain::testing {
namespace {

using namespace std::chrono_literals;

class FakeTools : public ::testing::Test {
protected:
    // Fake tools first; /usr/bin:/bin only for what the fake scripts themselves run.
    Environ env() const { return {{"PATH", (dir.path() / "bin").string() + ":/usr/bin:/bin"}}; }
    Environ only_fakes() const { return {{"PATH", (dir.path() / "bin").string()}}; }
    void tool(const std::string& name, const std::string& script) const {
        dir.write_executable("bin/" + name, "#!/bin/sh\n" + script);
    }
    TempDir dir;
};

TEST_F(FakeTools, NothingInstalled) {
    dir.mkdir("bin");
    const MachineFacts facts = probe_machine(only_fakes(), "ml.m5.xlarge");
    EXPECT_EQ(facts.num_gpus, 0);
    EXPECT_EQ(facts.num_neurons, 0);
    EXPECT_FALSE(facts.smddprun_installed);
    EXPECT_FALSE(facts.smddpmprun_installed);
    EXPECT_EQ(facts.num_cpus, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
}

// The CPUs the kernel lists as online ("0-63", "0,2-5"), read without sysconf:
// what Python's os.cpu_count() reports to the toolkit on Linux.
int online_cpus_from_sysfs() {
    std::ifstream in("/sys/devices/system/cpu/online");
    std::string list;
    std::getline(in, list);
    int count = 0;
    std::stringstream ranges(list);
    for (std::string range; std::getline(ranges, range, ',');) {
        const auto dash = range.find('-');
        const int first = std::stoi(range.substr(0, dash));
        const int last = dash == std::string::npos ? first : std::stoi(range.substr(dash + 1));
        count += last - first + 1;
    }
    return count;
}

// A Graviton host (ml.c7g, ml.m7g, ml.r7g: arm64 CPUs only): no nvidia-smi, no
// neuron-ls, and SM_NUM_CPUS is every online CPU, as on x86-64. The arm64
// stage runs this on the aarch64 build (scripts/test.sh arm64).
TEST_F(FakeTools, GravitonHostHasCpusOnly) {
    dir.mkdir("bin");
    if (!std::filesystem::exists("/sys/devices/system/cpu/online"))
        GTEST_SKIP() << "no /sys/devices/system/cpu/online";
    for (const char* type : {"ml.c7g.16xlarge", "ml.m7g.4xlarge", "ml.r7g.xlarge"}) {
        const MachineFacts facts = probe_machine(only_fakes(), type);
        EXPECT_EQ(facts.num_gpus, 0) << type;
        EXPECT_EQ(facts.num_neurons, 0) << type;
        EXPECT_EQ(facts.num_cpus, online_cpus_from_sysfs()) << type;
    }
}

TEST_F(FakeTools, CountsGpuLines) {
    tool("nvidia-smi",
         "[ \"$1\" = --list-gpus ] || exit 3\n"
         "echo 'GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-1)'\n"
         "echo '  MIG 1g.5gb Device 0: (UUID: MIG-1)'\n"
         "echo 'GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-2)'\n"
         "echo 'GPUs are great'\n");
    EXPECT_EQ(probe_machine(env(), "ml.p4d.24xlarge").num_gpus, 2);
}

TEST_F(FakeTools, FailingNvidiaSmiMeansNoGpus) {
    tool("nvidia-smi", "echo 'GPU 0: X'\nexit 9\n");
    EXPECT_EQ(probe_machine(env(), "ml.p3.2xlarge").num_gpus, 0);
}

TEST_F(FakeTools, SumsNeuronCores) {
    tool("neuron-ls",
         "[ \"$1\" = -j ] || exit 3\necho '[{\"nc_count\": 2}, {\"nc_count\": 8}, {\"memory\": 1}]'\n");
    EXPECT_EQ(probe_machine(env(), "ml.trn1.32xlarge").num_neurons, 10);
}

TEST_F(FakeTools, NeuronOutputThatIsNotADeviceListMeansNone) {
    tool("neuron-ls", "echo 'error=driver not loaded'\n");
    EXPECT_EQ(probe_machine(env(), "ml.trn1.2xlarge").num_neurons, 0);
    tool("neuron-ls", "echo '[{\"nc_count\": \"2\"}]'\n");
    EXPECT_EQ(probe_machine(env(), "ml.trn1.2xlarge").num_neurons, 0);
}

TEST_F(FakeTools, Trn2IsKnownWithoutAsking) {
    tool("neuron-ls", "echo '[{\"nc_count\": 1}]'\n");
    EXPECT_EQ(probe_machine(env(), "ml.trn2.48xlarge").num_neurons, 64);
}

TEST_F(FakeTools, SmddprunFoundOnPathWhenExecutable) {
    tool("smddprun", "exit 0\n");
    dir.write("bin/smddpmprun", "not executable");
    EXPECT_TRUE(probe_machine(only_fakes(), "local").smddprun_installed);
    EXPECT_FALSE(probe_machine(only_fakes(), "local").smddpmprun_installed);
    ::chmod((dir.path() / "bin/smddpmprun").c_str(), 0755);
    EXPECT_TRUE(probe_machine(only_fakes(), "local").smddpmprun_installed);
}

TEST_F(FakeTools, HungToolsAreKilledAtTheTimeout) {
    // Both hang; they run in parallel, so the whole probe takes about one timeout.
    tool("nvidia-smi", "echo 'GPU 0: X'\nsleep 60\n");
    tool("neuron-ls", "sleep 60\n");
    const auto start = std::chrono::steady_clock::now();
    const MachineFacts facts = probe_machine(env(), "ml.p3.2xlarge", 300ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(facts.num_gpus, 0);  // a timed-out probe counts as failed, whatever it printed
    EXPECT_EQ(facts.num_neurons, 0);
    EXPECT_LT(elapsed, 5s);
}

TEST_F(FakeTools, ToolThatClosesStdoutButKeepsRunningIsKilledToo) {
    tool("nvidia-smi", "echo 'GPU 0: X'\nexec >&-\nsleep 60\n");
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(probe_machine(env(), "ml.p3.2xlarge", 300ms).num_gpus, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(FakeTools, TrainingEnvProbesLazilyAndOnce) {
    const auto log = dir.path() / "calls";
    tool("nvidia-smi", "echo call >> '" + log.string() + "'\necho 'GPU 0: X'\n");
    TrainingTree tree;
    LoadOptions options;
    options.environ = tree_environ(tree, env());
    options.default_base = tree.path() / "none";
    const TrainingEnv training = TrainingEnv::load(options);
    EXPECT_FALSE(std::filesystem::exists(log));  // loading alone runs nothing
    EXPECT_EQ(training.num_gpus(), 1);
    const TrainingEnv copy = training;
    EXPECT_EQ(copy.num_gpus(), 1);
    (void)training.to_env_vars();
    std::ifstream in(log);
    std::ostringstream all;
    all << in.rdbuf();
    EXPECT_EQ(all.str(), "call\n");
}

TEST_F(FakeTools, GivenFactsAreNotProbed) {
    const auto log = dir.path() / "calls";
    tool("nvidia-smi", "echo call >> '" + log.string() + "'\n");
    TrainingTree tree;
    const TrainingEnv training = load_tree(tree, env());
    EXPECT_EQ(training.num_gpus(), 2);
    (void)training.to_env_vars();
    EXPECT_FALSE(std::filesystem::exists(log));
}

}  // namespace
}  // namespace smtrain::testing
