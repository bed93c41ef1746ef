// SPDX-License-Identifier: Apache-2.0
// bench_local: how long `sm-train local ...` takes until the job's program
// starts, against `sm-train train` starting the same job on a tree that
// `sm-train init` wrote beforehand, side by side in one run (pairs interleaved).
//
//   bench_local SM_TRAIN MARK_PROGRAM [RUNS [CHANNEL_MIB]]
//
// The program (bench/local_mark.c) writes the CLOCK_MONOTONIC time it started
// at; the clock is read just before posix_spawn of sm-train. The job: the
// program from a source dir, one hyperparameter, one channel of CHANNEL_MIB MiB
// (default 1) in 16 files, copied, and the same with --link. RUNS (default 50)
// of each, median and quartiles, in ms. `sm-train local`'s tree removal after
// the program is not counted (the program has started by then).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;
namespace fs = std::filesystem;

namespace {

long long now_ns() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

/// Runs argv with `extra` added to the environment, output to /dev/null; the exit status.
int run(std::vector<std::string> argv, const std::vector<std::string>& extra) {
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) envs.emplace_back(*e);
    envs.insert(envs.end(), extra.begin(), extra.end());
    std::vector<char*> a, e;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envs) e.push_back(s.data());
    e.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    if (posix_spawn(&pid, a[0], &actions, nullptr, a.data(), e.data()) != 0) {
        std::perror("posix_spawn");
        std::exit(2);
    }
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

/// ms from just before sm-train starts to the program's start.
double time_to_start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                     const fs::path& mark) {
    fs::remove(mark);
    const long long t0 = now_ns();
    const int status = run(argv, env);
    long long t1 = 0;
    std::ifstream(mark) >> t1;
    if (status != 0 || t1 == 0) {
        std::fprintf(stderr, "bench_local: %s %s failed (status %d)\n", argv[0].c_str(), argv[1].c_str(),
                     status);
        std::exit(1);
    }
    return static_cast<double>(t1 - t0) / 1e6;
}

struct Stats {
    double median, q1, q3;
};

Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))]; };
    return {at(0.5), at(0.25), at(0.75)};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_local SM_TRAIN MARK_PROGRAM [RUNS [CHANNEL_MIB]]\n");
        return 64;
    }
    const std::string sm_train = fs::absolute(argv[1]).string();
    const fs::path mark_program = fs::absolute(argv[2]);
    const int runs = argc > 3 ? std::atoi(argv[3]) : 50;
    const int mib = argc > 4 ? std::atoi(argv[4]) : 1;

    char pattern[] = "/tmp/bench-local-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return 2;
    const fs::path work = pattern;
    fs::create_directories(work / "src");
    fs::copy_file(mark_program, work / "src" / "mark");
    fs::create_directories(work / "data");
    const std::string chunk(static_cast<std::size_t>(mib) * 1024 * 1024 / 16, 'x');
    for (int i = 0; i < 16; ++i) std::ofstream(work / "data" / ("part-" + std::to_string(i))) << chunk;
    fs::create_directories(work / "tmp");
    const fs::path mark = work / "mark.ns";
    const std::vector<std::string> env{"SMTRAIN_BENCH_MARK=" + mark.string(),
                                       "TMPDIR=" + (work / "tmp").string()};

    const std::vector<std::string> flags{
        "--entry-point", "mark",     "--source-dir", (work / "src").string(),
        "--hp",          "epochs=3", "--channel",    "train=" + (work / "data").string()};
    std::vector<std::string> local{sm_train, "local"};
    local.insert(local.end(), flags.begin(), flags.end());
    std::vector<std::string> local_link = local;
    local_link.push_back("--link");
    std::vector<std::string> init{sm_train, "init", (work / "tree").string()};
    init.insert(init.end(), flags.begin(), flags.end());
    if (run(init, env) != 0) return 1;
    const std::vector<std::string> train{sm_train, "train"};
    std::vector<std::string> train_env = env;
    train_env.push_back("SAGEMAKER_BASE_DIR=" + (work / "tree").string());
    train_env.push_back("SM_STUDIO_LOCAL_MODE=true");

    std::vector<double> t_train, t_local, t_link;
    for (int i = 0; i < runs; ++i) {
        t_train.push_back(time_to_start(train, train_env, mark));
        t_local.push_back(time_to_start(local, env, mark));
        t_link.push_back(time_to_start(local_link, env, mark));
    }
    std::printf(
        "time to the program's start, ms (median [q1, q3] of %d, interleaved), channel %d MiB in 16 files:\n",
        runs, mib);
    auto show = [](const char* what, const std::vector<double>& v) {
        const Stats s = stats(v);
        std::printf("  %-50s %8.2f  [%.2f, %.2f]\n", what, s.median, s.q1, s.q3);
    };
    show("sm-train train (tree written by sm-train init)", t_train);
    show("sm-train local (copies code and channel)", t_local);
    show("sm-train local --link (links the channel)", t_link);
    std::printf("  local - train: %.2f ms (copied), %.2f ms (linked)\n",
                stats(t_local).median - stats(t_train).median, stats(t_link).median - stats(t_train).median);
    std::error_code ec;
    fs::remove_all(work, ec);
    return 0;
}
