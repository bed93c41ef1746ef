// SPDX-License-Identifier: Apache-2.0
#include "launcher/devloop/local_command.hpp"

#include "launcher/devloop/host_wait.hpp"
#include "launcher/devloop/local_hosts.hpp"
#include "launcher/lifecycle/console.hpp"
#include "launcher/lifecycle/settings.hpp"
#include "launcher/lifecycle/train.hpp"
#include "process/command.hpp"
#include "process/reaper.hpp"
#include "process/spawn.hpp"
#include "process/supervisor.hpp"
#include "runners/choose.hpp"

#include <smtrain/error.hpp>
#include <smtrain/training_env.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace smtrain::launcher {

namespace fs = std::filesystem;

namespace {

/// `-- --epochs 3 --lr=0.1`: more hyperparameters, as --hp epochs=3 --hp lr=0.1.
std::vector<std::string> args_as_hps(const std::vector<std::string>& args) {
    std::vector<std::string> hps;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
            throw Error(
                "-- " + arg + ": expected --NAME VALUE (the program gets its hyperparameters as such)",
                ExitCode::Usage);
        }
        const auto eq = arg.find('=');
        if (eq != std::string::npos) {
            hps.push_back(arg.substr(2));
        } else if (i + 1 < args.size()) {
            hps.push_back(arg.substr(2) + "=" + args[++i]);
        } else {
            throw Error("-- " + arg + ": no value", ExitCode::Usage);
        }
    }
    return hps;
}

fs::path make_work_dir(const Environ& environ) {
    auto tmp = lookup(environ, "TMPDIR");
    std::string pattern = (tmp && !tmp->empty() ? *tmp : std::string("/tmp")) + "/sm-train-local-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw Error("cannot create a directory like " + pattern, ExitCode::CannotWrite);
    }
    return pattern;
}

/// `sm-train train` in this process, as cli.cpp runs it (run_train reports
/// every failure itself and never throws).
int train_here(const Lifecycle& lifecycle, const Environ& environ) {
    return run_train(TrainOptions{}, lifecycle, environ);
}

std::string entries(const fs::path& dir) {
    std::error_code ec;
    std::vector<std::string> names;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        names.push_back(it->path().filename().string());
    }
    if (names.empty()) return "empty";
    std::sort(names.begin(), names.end());
    std::string shown;
    for (std::size_t i = 0; i < names.size() && i < 5; ++i) shown += (i ? ", " : "") + names[i];
    if (names.size() > 5) shown += ", ... (" + std::to_string(names.size()) + " entries)";
    return shown;
}

void copy_out(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::create_directories(to, ec);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec)
        throw Error("--output: cannot copy " + from.string() + " to " + to.string() + ": " + ec.message(),
                    ExitCode::CannotWrite);
}

/// The trees of one run of the job, under `dir`: one per host. `attempt` (1, 2,
/// ...) goes into init-config.json as SageMaker's jobRunNumber (SM_RUN_ATTEMPT).
std::vector<LocalHost> make_trees(const TreeFlags& flags, const std::vector<std::string>& hosts,
                                  const fs::path& dir, bool with_checkpoints,
                                  std::optional<int> attempt = {}) {
    std::vector<LocalHost> local_hosts;
    for (const auto& host : hosts) {
        const fs::path base = hosts.size() == 1 ? dir / "opt" / "ml" : dir / host / "opt" / "ml";
        TreeFlags mine = flags;
        mine.current_host = host;
        write_tree(tree_plan(mine, base), base);
        // SageMaker's default LocalPath: the job sees SM_CHECKPOINT_DIR there.
        if (with_checkpoints) fs::create_directories(Paths::under(base).checkpoints);
        if (attempt) {
            std::ofstream(Paths::under(base).input_config / "init-config.json")
                << "{\"jobRunInfo\": {\"jobRunNumber\": " << *attempt << "}}\n";
        }
        local_hosts.push_back({host, base, host == hosts.front() ? fs::path() : dir / (host + ".log")});
    }
    return local_hosts;
}

/// Whether the job's one host must run under its own name: mpirun (MPI and
/// smddprun) starts the ranks of a host it is given by name (`--host algo-1:2`)
/// itself only when that name is this machine's; any other it reaches over ssh,
/// which on a machine of another name ends the job with "ORTE was unable to
/// reliably start" (exit 255). A tree the job cannot load is the job's to report.
bool runs_under_its_host_name(const LocalHost& host, const Environ& environ) {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0 && host.name == name) return false;  // already so named
    try {
        Environ env = environ;
        env["SAGEMAKER_BASE_DIR"] = host.base.string();
        LoadOptions options;
        options.environ = env;
        options.create_local_tree = false;
        const auto kind = runners::choose_runner(TrainingEnv::load(options));
        return kind == runners::RunnerKind::Mpi || kind == runners::RunnerKind::SmDataParallel;
    } catch (const std::exception&) {
        return false;
    }
}

/// One run of the job on its trees: in this process for one host, else one
/// `sm-train train` per host in namespaces (one host of MPI or smddprun too:
/// runs_under_its_host_name()). With `interruption`, every host is a
/// child process, interrupted as SageMaker would; `*interrupted` says whether it was.
int run_once(const std::vector<LocalHost>& local_hosts, const fs::path& dir, const TreeFlags& flags,
             const Lifecycle& lifecycle, const Environ& environ,
             const std::optional<Interruption>& interruption, bool* interrupted) {
    Environ env = environ;
    // The service sets TRAINING_JOB_NAME; the SDK's script mode the hyperparameter.
    if (!flags.job_name.empty()) env["TRAINING_JOB_NAME"] = flags.job_name;
    if (local_hosts.size() > 1 || runs_under_its_host_name(local_hosts.front(), env)) {
        if (local_hosts.size() == 1) {
            try {
                check_local_hosts_possible(1);
            } catch (const Error& e) {
                throw Error(std::string("an MPI job runs its host as algo-1 in namespaces of its own (mpirun "
                                        "starts a host's ranks itself only under this machine's name): ") +
                                e.what(),
                            e.exit_code());
            }
        }
        for (int c : run_local_hosts(local_hosts, dir, lifecycle, env, interruption, interrupted)) {
            if (c != 0) return c;
        }
        return 0;
    }
    env["SAGEMAKER_BASE_DIR"] = local_hosts.front().base.string();
    // One host on this machine: algo-1 need not resolve (as Studio's local mode).
    env["SM_STUDIO_LOCAL_MODE"] = "true";
    if (!interruption) return train_here(lifecycle, env);
    // As the container's PID 1: a process of its own, which SIGTERM and SIGKILL reach.
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error("sm-train local: cannot find sm-train itself (/proc/self/exe): " + ec.message());
    process::SpawnSpec spec;
    spec.program = self;
    spec.argv = {self.string(), "train"};
    spec.env = process::to_envp(env);
    spec.new_process_group = false;
    spec.child_mask = &lifecycle.signals.original_mask();
    std::vector<HostProcess> hosts{{process::spawn(spec).pid, 0, false}};
    const bool sent = wait_for_host_processes(hosts, lifecycle, interruption);
    if (interrupted) *interrupted = sent;
    return process::exit_code_of(hosts.front().status);
}

/// Every regular file under `dir`, by relative path, with its content.
std::map<std::string, std::string> files_under(const fs::path& dir) {
    std::map<std::string, std::string> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) continue;
        std::ifstream in(it->path(), std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        files.emplace(fs::relative(it->path(), dir, type_ec).string(), bytes.str());
    }
    return files;
}

std::string describe_files(const std::map<std::string, std::string>& files) {
    if (files.empty()) return "nothing";
    std::string text;
    for (const auto& [name, bytes] : files) {
        if (!text.empty()) text += ", ";
        text += name + " (" + std::to_string(bytes.size()) + " bytes)";
    }
    return text;
}

void replace_dir_with(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::remove_all(to, ec);
    fs::create_directories(to, ec);
    fs::copy(from, to, fs::copy_options::recursive, ec);
    if (ec)
        throw Error(
            "--interrupt-after: cannot copy " + from.string() + " to " + to.string() + ": " + ec.message(),
            ExitCode::CannotWrite);
}

/// `--interrupt-after`: the job interrupted `interruptions` times and resumed each
/// time on a fresh tree with the checkpoints it kept, then once uninterrupted;
/// prints whether it resumed and whether the final models are equal. Returns the
/// trees of the last interrupted-and-resumed run (for the summary) and the exit code.
int run_interrupted(const LocalOptions& options, const TreeFlags& flags,
                    const std::vector<std::string>& hosts, const fs::path& work, const Lifecycle& lifecycle,
                    const Environ& environ, std::vector<LocalHost>& final_hosts) {
    const Settings settings = Settings::from_environment(environ);
    const Interruption interruption{parse_interrupt_after(options.interrupt_after), settings.stop_window};
    become_reaper_of_orphans();
    const fs::path kept = work / "checkpoints";  // what SageMaker keeps in S3 between runs
    std::vector<std::string> lines;
    bool resumes = true;
    int code = 0;
    for (int attempt = 1; attempt <= options.interruptions + 1; ++attempt) {
        const fs::path dir = work / ("run-" + std::to_string(attempt));
        final_hosts = make_trees(flags, hosts, dir, true, attempt);
        for (const auto& host : final_hosts) {
            if (fs::exists(kept / host.name))
                replace_dir_with(kept / host.name, Paths::under(host.base).checkpoints);
        }
        const bool last = attempt == options.interruptions + 1;
        say("\nsm-train local: run " + std::to_string(attempt) + " of " +
            std::to_string(options.interruptions + 1) + (last ? " (to the end)" : ", to be interrupted"));
        bool interrupted = false;
        code = run_once(final_hosts, dir, flags, lifecycle, environ,
                        last ? std::nullopt : std::optional<Interruption>(interruption), &interrupted);
        std::size_t checkpoint_files = 0;
        for (const auto& host : final_hosts) {
            const fs::path checkpoints = Paths::under(host.base).checkpoints;
            checkpoint_files += files_under(checkpoints).size();
            replace_dir_with(checkpoints, kept / host.name);
        }
        std::string line = "  run " + std::to_string(attempt) + ": ";
        if (interrupted) {
            line += "interrupted (SIGTERM), exit code " + std::to_string(code) + "; " +
                    std::to_string(checkpoint_files) + " checkpoint file(s) kept";
            if (checkpoint_files == 0) resumes = false;
        } else {
            line += (last ? "ran to the end" : "ended before the interruption") +
                    std::string(", exit code ") + std::to_string(code);
        }
        lines.push_back(line);
        // Ctrl-C (or a stop of sm-train local itself) ends the series: no more runs.
        if (lifecycle.stop.requested()) return 128 + lifecycle.stop.signal();
        if (!interrupted) break;
    }

    say("\nsm-train local: the same job, uninterrupted, for comparison");
    const std::vector<LocalHost> reference = make_trees(flags, hosts, work / "uninterrupted", true);
    const int reference_code =
        run_once(reference, work / "uninterrupted", flags, lifecycle, environ, std::nullopt, nullptr);
    lines.push_back("  uninterrupted run: exit code " + std::to_string(reference_code));

    bool equal = true;
    for (std::size_t k = 0; k < final_hosts.size(); ++k) {
        const auto resumed = files_under(Paths::under(final_hosts[k].base).model);
        const auto whole = files_under(Paths::under(reference[k].base).model);
        const std::string prefix = final_hosts.size() == 1 ? "" : final_hosts[k].name + " ";
        if (resumed == whole && !whole.empty()) {
            lines.push_back("  " + prefix + "final model: equals the uninterrupted run's (" +
                            describe_files(whole) + ")");
        } else {
            equal = false;
            lines.push_back("  " + prefix + "final model: DIFFERS from the uninterrupted run's");
            lines.push_back("    interrupted and resumed wrote: " + describe_files(resumed));
            lines.push_back("    uninterrupted wrote:           " + describe_files(whole));
        }
    }
    if (!resumes) {
        lines.push_back(
            "  the program does NOT resume: the checkpoint dir was empty when it was interrupted (write "
            "checkpoints to $SM_CHECKPOINT_DIR and read them back at start)");
    }
    char window[32];
    std::snprintf(window, sizeof window, "%g",
                  std::chrono::duration<double>(interruption.stop_window).count());
    say("\nsm-train local: interruptions (" + std::to_string(options.interruptions) + ", after " +
        options.interrupt_after + " each, stop window " + window + " s)");
    for (const auto& line : lines) say(line);
    if (code != 0) return code;
    if (reference_code != 0) return reference_code;
    return resumes && equal ? 0 : static_cast<int>(ExitCode::Failure);
}

}  // namespace

std::chrono::milliseconds parse_interrupt_after(const std::string& text) {
    double number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    double scale = 0;
    if (unit.empty() || unit == "s") scale = 1000;
    if (unit == "ms") scale = 1;
    if (unit == "m") scale = 60'000;
    if (unit == "h") scale = 3'600'000;
    if (ec != std::errc() || scale == 0 || !std::isfinite(number) || number <= 0 || number * scale > 1e12) {
        throw Error("--interrupt-after " + text + ": expected a duration such as 30s, 500ms or 2m",
                    ExitCode::Usage);
    }
    return std::chrono::milliseconds(static_cast<long long>(std::llround(number * scale)));
}

int run_local(const LocalOptions& options, const Lifecycle& lifecycle, const Environ& environ) {
    TreeFlags flags = options.tree;
    for (auto& hp : args_as_hps(options.args)) flags.hps.push_back(std::move(hp));
    if (!options.output.empty()) {
        std::error_code ec;
        if (fs::exists(options.output, ec) && !fs::is_directory(options.output, ec)) {
            throw Error("--output " + options.output + ": not a directory", ExitCode::Usage);
        }
    }
    if (!options.interrupt_after.empty()) parse_interrupt_after(options.interrupt_after);

    // Check every flag against a first plan before anything is made.
    const auto hosts = detail::resolved_hosts(tree_plan(flags, "/").spec);
    if (hosts.size() > 1) {
        if (!flags.current_host.empty()) {
            throw Error("--current-host: sm-train local runs every host of the job", ExitCode::Usage);
        }
        check_local_hosts_possible(hosts.size());
    }

    const fs::path work = make_work_dir(environ);
    std::vector<LocalHost> local_hosts;
    int code = 0;
    try {
        if (!options.interrupt_after.empty()) {
            code = run_interrupted(options, flags, hosts, work, lifecycle, environ, local_hosts);
        } else {
            local_hosts = make_trees(flags, hosts, work, false);
            code = run_once(local_hosts, work, flags, lifecycle, environ, std::nullopt, nullptr);
        }
    } catch (...) {
        std::error_code ec;
        fs::remove_all(work, ec);
        throw;
    }

    // The summary: where everything is.
    const bool keep = options.keep || code != 0;
    say(std::string("\nsm-train local: the job ") + (code == 0 ? "succeeded" : "failed") + " (exit code " +
        std::to_string(code) + ")");
    for (const auto& host : local_hosts) {
        const Paths paths = Paths::under(host.base);
        fs::path model = paths.model, output = paths.output;
        if (!options.output.empty()) {
            const fs::path out =
                hosts.size() == 1 ? fs::path(options.output) : fs::path(options.output) / host.name;
            copy_out(paths.model, out / "model");
            copy_out(paths.output, out / "output");
            model = fs::absolute(out / "model");
            output = fs::absolute(out / "output");
        }
        const std::string prefix = hosts.size() == 1 ? "" : host.name + " ";
        if (keep || !options.output.empty()) {
            say("  " + prefix + "model:   " + model.string() + " (" + entries(model) + ")");
            say("  " + prefix + "output:  " + output.string() + " (" + entries(output) + ")");
            std::error_code ec;
            if (fs::exists(output / "failure", ec)) {
                say("  " + prefix + "failure: " + (output / "failure").string());
            }
        }
        if (!host.log.empty() && keep) say("  " + prefix + "log:     " + host.log.string());
    }
    if (keep) {
        say("  tree:    " + work.string() + " (kept" + (options.keep ? ": --keep" : ": the job failed") +
            ")");
    } else {
        say("  tree:    removed (--keep keeps it, --output DIR copies model/ and output/ out)");
        std::error_code ec;
        fs::remove_all(work, ec);
    }
    return code;
}

}  // namespace smtrain::launcher
