// SPDX-License-Identifier: Apache-2.0
// bench_static_start SM_TRAIN_A SM_TRAIN_B [RUNS]
//
// The start overhead of two sm-train builds, side by side in one run: the
// fully static sm-train against the same code linked against a dynamic glibc
// (bench/static.cmake builds both). On a fake /opt/ml tree in a temp dir, each
// round runs `sm-train train` of a no-op program (/bin/true) with A, then B,
// then the no-op directly (the order of A and B alternates between rounds, so
// load elsewhere hits both alike). Per build: median and 10th-90th percentile
// of the wall time, of the CPU time (user + system, from wait4's rusage:
// sm-train and the program) and the minor page faults.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
extern char** environ;

namespace {

struct Sample {
    double wall_ms;
    double cpu_ms;
    double minor_faults;
};

struct Series {
    std::string name;
    std::vector<Sample> samples;
};

/// Runs argv (stdout and stderr to /dev/null) with `env` appended to ours.
Sample run(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    std::vector<std::string> owned(argv);
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) envs.emplace_back(*e);
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<char*> a, e;
    for (auto& s : owned) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envs) e.push_back(s.data());
    e.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const auto t0 = Clock::now();
    pid_t pid;
    if (posix_spawn(&pid, a[0], &actions, nullptr, a.data(), e.data()) != 0) {
        std::perror("posix_spawn");
        std::exit(2);
    }
    posix_spawn_file_actions_destroy(&actions);
    int status;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "%s failed (status %d)\n", argv[0].c_str(), status);
        std::exit(1);
    }
    const auto t1 = Clock::now();
    auto ms = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
    };
    return {std::chrono::duration<double, std::milli>(t1 - t0).count(),
            ms(usage.ru_utime) + ms(usage.ru_stime), static_cast<double>(usage.ru_minflt)};
}

/// "median (p10-p90)" of one field.
std::string spread(const std::vector<Sample>& samples, double Sample::*field, const char* format) {
    std::vector<double> v;
    for (const Sample& s : samples) v.push_back(s.*field);
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))]; };
    char text[128];
    std::snprintf(text, sizeof text, format, at(0.5), at(0.1), at(0.9));
    return text;
}

void write_file(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s SM_TRAIN_A SM_TRAIN_B [RUNS]\n", argv[0]);
        return 64;
    }
    const std::string a = fs::absolute(argv[1]).string(), b = fs::absolute(argv[2]).string();
    const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 300;

    std::string tmpl = (fs::temp_directory_path() / "smtrain-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return 2;
    const fs::path base = tmpl;
    write_file(base / "input/config/resourceconfig.json", R"({"current_host":"algo-1","hosts":["algo-1"]})");
    write_file(base / "input/config/inputdataconfig.json", R"({"train":{"TrainingInputMode":"File"}})");
    write_file(base / "input/config/hyperparameters.json", R"({"sagemaker_container_log_level":"40"})");
    fs::create_directories(base / "code");
    fs::copy_file("/bin/true", base / "code/noop");
    const std::vector<std::string> env = {"SAGEMAKER_BASE_DIR=" + base.string(), "SM_STUDIO_LOCAL_MODE=true",
                                          "SMTRAIN_PYTHON=/bin/true", "SAGEMAKER_PROGRAM=noop"};

    Series first{a, {}}, second{b, {}}, direct{"/bin/true directly", {}};
    for (int i = 0; i < 10; ++i) {  // warm the page cache for both
        run({a, "train"}, env);
        run({b, "train"}, env);
    }
    const std::string load_before = load_average();
    for (int i = 0; i < runs; ++i) {
        Series& one = i % 2 == 0 ? first : second;
        Series& other = i % 2 == 0 ? second : first;
        one.samples.push_back(run({one.name, "train"}, env));
        other.samples.push_back(run({other.name, "train"}, env));
        direct.samples.push_back(run({(base / "code/noop").string()}, {}));
    }
    std::printf(
        "sm-train train of a no-op program, %d interleaved runs each, load average %s before, %s after\n",
        runs, load_before.c_str(), load_average().c_str());
    std::printf("median (10th-90th percentile); CPU = user + system of sm-train and the program\n");
    for (const Series* s : {&first, &second, &direct}) {
        std::printf("  %s\n    wall %s   CPU %s   minor faults %s\n", s->name.c_str(),
                    spread(s->samples, &Sample::wall_ms, "%.2f ms (%.2f-%.2f)").c_str(),
                    spread(s->samples, &Sample::cpu_ms, "%.2f ms (%.2f-%.2f)").c_str(),
                    spread(s->samples, &Sample::minor_faults, "%.0f (%.0f-%.0f)").c_str());
    }
    fs::remove_all(base);
    return 0;
}
