// SPDX-License-Identifier: Apache-2.0
// Benchmark: TrainingEnv::load + to_env_vars + to_cmd_args on trees with N hosts and
// N hyperparameters (N = 100 ... 100,000). Each size runs in its own child process so
// that its peak RSS (getrusage) is its own. Prints a table; the goal is < 20 ms at
// N = 10,000 and linear growth.
#include <smtrain/training_env.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

// A tree as SageMaker writes it: N hosts in one instance group, N hyperparameters
// as the SDK writes them (every value a JSON-encoded string), a few channels.
void make_tree(const fs::path& base, std::size_t n) {
    std::string hosts = "[";
    for (std::size_t i = 1; i <= n; ++i) hosts += (i > 1 ? ",\"algo-" : "\"algo-") + std::to_string(i) + "\"";
    hosts += "]";
    write(
        base / "input/config/resourceconfig.json",
        R"({"current_host":"algo-1","hosts":)" + hosts +
            R"(,"current_group_name":"homogeneousCluster","current_instance_type":"ml.p4d.24xlarge",)"
            R"("network_interface_name":"eth0","instance_groups":[{"instance_group_name":"homogeneousCluster",)"
            R"("instance_type":"ml.p4d.24xlarge","hosts":)" +
            hosts + "}]}");
    write(base / "input/config/inputdataconfig.json",
          R"({"train":{"TrainingInputMode":"File"},"validation":{"TrainingInputMode":"File"},"test":{}})");
    std::string hps = R"({"sagemaker_program":"\"train.py\"","sagemaker_mpi_enabled":"true")";
    const char* values[] = {R"("10")",        R"("0.001")",      R"("\"adam\"")",  R"("true")",
                            R"("[1, 2, 3]")", R"("{\"a\": 1}")", R"("plain text")"};
    for (std::size_t i = 0; i < n; ++i) hps += ",\"param_" + std::to_string(i) + "\":" + values[i % 7];
    hps += "}";
    write(base / "input/config/hyperparameters.json", hps);
    fs::create_directories(base / "code");
}

double cpu_ms_now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Row {
    double load_ms, env_ms, argv_ms, total_ms, cpu_ms;
    std::size_t env_bytes;
    long peak_rss_kib;
};

Row measure(const fs::path& base, int repeats) {
    smtrain::LoadOptions options;
    options.environ = smtrain::Environ{{"SAGEMAKER_BASE_DIR", base.string()}, {"HOME", base.string()}};
    options.machine = smtrain::MachineFacts{8, 8, 0, false, false};
    using Clock = std::chrono::steady_clock;
    auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    Row best{1e18, 1e18, 1e18, 1e18, 1e18, 0, 0};
    for (int r = 0; r < repeats; ++r) {
        const double cpu0 = cpu_ms_now();
        const auto t0 = Clock::now();
        const smtrain::TrainingEnv env = smtrain::TrainingEnv::load(options);
        const auto t1 = Clock::now();
        const smtrain::EnvVars vars = env.to_env_vars();
        const auto t2 = Clock::now();
        const std::vector<std::string> args = env.to_cmd_args();
        const auto t3 = Clock::now();
        const double cpu = cpu_ms_now() - cpu0;
        std::size_t bytes = 0;
        for (const auto& [k, v] : vars) bytes += k.size() + v.size() + 2;
        // Best of the repeats: the figure least disturbed by other work on the machine.
        if (ms(t3 - t0) < best.total_ms)
            best = {ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t3 - t0), cpu, bytes, 0};
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    best.peak_rss_kib = usage.ru_maxrss;
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
    char pattern[] = "/tmp/smtrain-bench-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return 1;
    const fs::path root = pattern;

    std::printf("TrainingEnv::load + to_env_vars + to_cmd_args, best of %d (hosts = hyperparameters = N)\n",
                repeats);
    std::printf("%8s %10s %10s %10s %10s %10s %12s %14s\n", "N", "load ms", "env ms", "argv ms", "total ms",
                "CPU ms", "env bytes", "peak RSS MiB");
    for (std::size_t n : {100u, 1000u, 10000u, 100000u}) {
        const fs::path base = root / std::to_string(n) / "opt/ml";
        make_tree(base, n);
        std::fflush(stdout);
        // A child per size, so that the peak RSS is this size's alone.
        const pid_t pid = ::fork();
        if (pid == 0) {
            const Row row = measure(base, repeats);
            std::printf("%8zu %10.2f %10.2f %10.2f %10.2f %10.2f %12zu %14.1f\n", n, row.load_ms, row.env_ms,
                        row.argv_ms, row.total_ms, row.cpu_ms, row.env_bytes,
                        static_cast<double>(row.peak_rss_kib) / 1024.0);
            std::fflush(stdout);
            ::_exit(0);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
    fs::remove_all(root);
    return 0;
}
