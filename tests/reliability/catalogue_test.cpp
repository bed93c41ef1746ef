// SPDX-License-Identifier: Apache-2.0
// The broken-input catalogue (tests/data/bad/<case>/), run through the real sm-train.
//
// Each case starts from tests/data/bad/_valid/opt_ml (a tree that trains fine) and
// overlays its own opt_ml/, then:
//   remove    paths (relative to opt_ml) to delete first, one per line
//   generate  "<file> <kind> <n>": a big input made here, not committed
//             (nested-host, digits-host, nested-value, huge-string)
//   env       NAME=value lines added to sm-train's environment (@BASE@ = the tree)
//   chmod     "<path> <octal mode>" lines, applied last
//   user      "nobody": run sm-train without privileges (skipped unless root)
//   expected  the exact line sm-train prints (@BASE@ = the tree)
//   exit      the exit code
//   report    "toolkit": output/failure is in the toolkit's format (the program could
//             not be started); otherwise it is exactly the expected line
// The base tree logs at WARNING (sagemaker_container_log_level 30), so the
// multi-line "Invoking user script" block does not mix with the checked lines.
// For every case: exactly one stderr line that is not a log record, equal to
// `expected`; output/failure holds the same message; the exit code; and bounds on
// wall time and peak RSS (docs/reliability.md states them).
#include "../support/child.hpp"

#include <gtest/gtest.h>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>

namespace smtrain::reliability {
namespace {

const fs::path kCatalogue = fs::path(SMTRAIN_TEST_DATA_DIR) / "bad";

#ifdef SMTRAIN_SANITIZED
constexpr double kSlowdown = 4;  // ASan+UBSan: slower, and shadow memory counts in RSS
#else
constexpr double kSlowdown = 1;
#endif

// Bounds: every case < 2 s and < 256 MiB; the 100 MiB hyperparameters file < 10 s and < 512 MiB.
struct Bound {
    double seconds;
    long rss_mib;
};
Bound bound_for(const std::string& name) {
    if (name == "hp_100mib_unterminated") return {10 * kSlowdown, static_cast<long>(512 * kSlowdown)};
    return {2 * kSlowdown, static_cast<long>(256 * kSlowdown)};
}

std::vector<std::string> case_names() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kCatalogue)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_directory() && name[0] != '_') names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string trim_newline(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
        s.replace(at, from.size(), to);
    return s;
}

// The big inputs, made at run time.
std::string generate(const std::string& kind, std::size_t n) {
    if (kind == "nested-host") {  // root dict, hosts list, then n-2 more arrays: n levels
        return R"({"current_host":"algo-1","hosts":[)" + std::string(n - 2, '[') + std::string(n - 2, ']') +
               "]}";
    }
    if (kind == "digits-host")
        return R"({"current_host":"algo-1","hosts":["algo-1",)" + std::string(n, '9') + "]}";
    if (kind == "nested-value") return R"({"a":)" + std::string(n, '[') + std::string(n, ']') + "}";
    if (kind == "huge-string") return R"({"blob":")" + std::string(n, 'x') + R"(""end":1})";
    throw std::runtime_error("unknown generator " + kind);
}

void copy_tree(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

class Catalogue : public ::testing::TestWithParam<std::string> {};

TEST_P(Catalogue, OneClearLineTheDocumentedExitAndBoundedCost) {
    const std::string name = GetParam();
    const fs::path dir = kCatalogue / name;
    const bool unprivileged = fs::exists(dir / "user");
    if (unprivileged && geteuid() != 0) GTEST_SKIP() << "needs root to run sm-train as another user";

    TempDir tmp;
    const fs::path base = tmp.path() / "opt_ml";
    copy_tree(kCatalogue / "_valid" / "opt_ml", base);
    if (fs::exists(dir / "remove")) {
        for (const auto& rel : lines_of(read_file(dir / "remove"))) fs::remove_all(base / rel);
    }
    if (fs::exists(dir / "opt_ml")) copy_tree(dir / "opt_ml", base);
    if (fs::exists(dir / "generate")) {
        std::istringstream spec(read_file(dir / "generate"));
        std::string file, kind;
        std::size_t n = 0;
        spec >> file >> kind >> n;
        write_file(base / file, generate(kind, n));
    }
    auto env = base_environment(base, tmp.path());
    if (fs::exists(dir / "env")) {
        for (const auto& line : lines_of(read_file(dir / "env"))) {
            const auto eq = line.find('=');
            env[line.substr(0, eq)] = replace_all(line.substr(eq + 1), "@BASE@", base.string());
        }
    }
    uid_t uid = 0;
    gid_t gid = 0;
    if (unprivileged) {
        const passwd* pw = getpwnam("nobody");
        ASSERT_NE(pw, nullptr);
        uid = pw->pw_uid;
        gid = pw->pw_gid;
        // The tree is readable and the output writable by that user; the case's chmods decide the rest.
        for (const auto& entry : fs::recursive_directory_iterator(tmp.path())) {
            fs::permissions(entry.path(), entry.is_directory() ? fs::perms(0755) : fs::perms(0644));
        }
        fs::permissions(tmp.path(), fs::perms(0755));
        fs::create_directories(base / "output");
        fs::permissions(base / "output", fs::perms(0777));
    }
    if (fs::exists(dir / "chmod")) {
        for (const auto& line : lines_of(read_file(dir / "chmod"))) {
            const auto space = line.find(' ');
            fs::permissions(base / line.substr(0, space),
                            static_cast<fs::perms>(std::stoi(line.substr(space + 1), nullptr, 8)));
        }
    }

    ChildSpec spec;
    spec.argv = {SMTRAIN_SM_TRAIN, "train"};
    spec.env = env;
    spec.workdir = tmp.path();
    spec.timeout = std::chrono::seconds(120);
    if (unprivileged) {
        spec.before_exec = [uid, gid] {
            return setgroups(0, nullptr) == 0 && setgid(gid) == 0 && setuid(uid) == 0;
        };
    }
    const ChildResult run = run_child(spec);

    const std::string expected =
        replace_all(trim_newline(read_file(dir / "expected")), "@BASE@", base.string());
    const int expected_exit = std::stoi(read_file(dir / "exit"));
    ASSERT_FALSE(run.timed_out) << "sm-train hung; stderr:\n" << run.err.substr(0, 4000);
    EXPECT_EQ(run.exit_code, expected_exit) << run.err.substr(0, 4000);

    std::vector<std::string> plain;
    for (const auto& line : lines_of(run.err)) {
        if (!is_log_record(line)) plain.push_back(line);
    }
    ASSERT_EQ(plain.size(), 1u) << "stderr:\n" << run.err.substr(0, 4000);
    EXPECT_EQ(plain[0], expected);

    // output/failure: sm-train's own failures hold exactly that line; a program that
    // could not start is reported in the toolkit's format, with the message in it.
    const fs::path failure = base / "output" / "failure";
    ASSERT_TRUE(fs::exists(failure));
    const std::string report = read_file(failure);
    const std::string message = expected.substr(std::string("sm-train: ").size());
    if (fs::exists(dir / "report")) {  // "toolkit": the program could not start
        EXPECT_NE(report.find("ExitCode " + std::to_string(expected_exit) + "\n"), std::string::npos)
            << report;
        EXPECT_NE(report.find(message), std::string::npos) << report;
    } else {
        EXPECT_EQ(report, expected);
    }
    EXPECT_FALSE(fs::exists(base / "output" / "success"));

    const Bound bound = bound_for(name);
    EXPECT_LT(run.seconds, bound.seconds);
    EXPECT_LT(run.max_rss_kib / 1024, bound.rss_mib);
    RecordProperty("seconds", std::to_string(run.seconds));
    RecordProperty("max_rss_kib", std::to_string(run.max_rss_kib));
    std::printf("%s: exit %d, %.3f s, max RSS %ld KiB\n", name.c_str(), run.exit_code, run.seconds,
                run.max_rss_kib);
}

INSTANTIATE_TEST_SUITE_P(Bad, Catalogue, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                             return param_info.param;
                         });

// The base tree itself trains: each case fails because of its one broken piece.
TEST(CatalogueBase, ValidTreeTrains) {
    TempDir tmp;
    const fs::path base = tmp.path() / "opt_ml";
    copy_tree(kCatalogue / "_valid" / "opt_ml", base);
    ChildSpec spec;
    spec.argv = {SMTRAIN_SM_TRAIN, "train"};
    spec.env = base_environment(base, tmp.path());
    spec.workdir = tmp.path();
    const ChildResult run = run_child(spec);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find("training with --epochs 10 --learning_rate 0.001"), std::string::npos) << run.out;
    EXPECT_TRUE(fs::exists(base / "output" / "success"));
}

TEST(CatalogueBase, HasAtLeastFortyCases) { EXPECT_GE(case_names().size(), 40u); }

}  // namespace
}  // namespace smtrain::reliability
