// SPDX-License-Identifier: Apache-2.0
#include "local_command.hpp"

#include "local_hosts.hpp"
#include "supervisor.hpp"
#include "train.hpp"

#include <smtrain/error.hpp>

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
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

/// `sm-train train` in this process, as cli.cpp runs it.
int train_here(const Lifecycle& lifecycle, const Environ& environ) {
    try {
        if (!process::become_subreaper()) {
            std::fputs("sm-train: warning: cannot become a child subreaper\n", stderr);
        }
        return run_train(TrainOptions{}, lifecycle, environ);
    } catch (const Error& e) {
        report_own_failure(e.what(), environ);
        int code = static_cast<int>(e.exit_code());
        return code == 0 ? static_cast<int>(ExitCode::Failure) : code;
    } catch (const std::exception& e) {
        report_own_failure(std::string("internal error: ") + e.what(), environ);
        return static_cast<int>(ExitCode::Internal);
    }
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

}  // namespace

int run_local(const LocalOptions& options, const Lifecycle& lifecycle, const Environ& environ) {
    TreeFlags flags = options.tree;
    for (auto& hp : args_as_hps(options.args)) flags.hps.push_back(std::move(hp));
    if (!options.output.empty()) {
        std::error_code ec;
        if (fs::exists(options.output, ec) && !fs::is_directory(options.output, ec)) {
            throw Error("--output " + options.output + ": not a directory", ExitCode::Usage);
        }
    }

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
        for (const auto& host : hosts) {
            const fs::path base = hosts.size() == 1 ? work / "opt" / "ml" : work / host / "opt" / "ml";
            TreeFlags mine = flags;
            mine.current_host = host;
            write_tree(tree_plan(mine, base), base);
            local_hosts.push_back({host, base, host == hosts.front() ? fs::path() : work / (host + ".log")});
        }
        if (hosts.size() == 1) {
            Environ env = environ;
            env["SAGEMAKER_BASE_DIR"] = local_hosts.front().base.string();
            // One host on this machine: algo-1 need not resolve (as Studio's local mode).
            env["SM_STUDIO_LOCAL_MODE"] = "true";
            // The service sets TRAINING_JOB_NAME; the SDK's script mode the hyperparameter.
            if (!flags.job_name.empty()) env["TRAINING_JOB_NAME"] = flags.job_name;
            code = train_here(lifecycle, env);
        } else {
            Environ env = environ;
            if (!flags.job_name.empty()) env["TRAINING_JOB_NAME"] = flags.job_name;
            const auto codes = run_local_hosts(local_hosts, work, lifecycle, env);
            for (int c : codes) {
                if (c != 0) {
                    code = c;
                    break;
                }
            }
        }
    } catch (...) {
        std::error_code ec;
        fs::remove_all(work, ec);
        throw;
    }

    // The summary: where everything is.
    const bool keep = options.keep || code != 0;
    std::fprintf(stderr, "\nsm-train local: the job %s (exit code %d)\n", code == 0 ? "succeeded" : "failed",
                 code);
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
            std::fprintf(stderr, "  %smodel:   %s (%s)\n", prefix.c_str(), model.c_str(),
                         entries(model).c_str());
            std::fprintf(stderr, "  %soutput:  %s (%s)\n", prefix.c_str(), output.c_str(),
                         entries(output).c_str());
            std::error_code ec;
            if (fs::exists(output / "failure", ec)) {
                std::fprintf(stderr, "  %sfailure: %s\n", prefix.c_str(), (output / "failure").c_str());
            }
        }
        if (!host.log.empty() && keep)
            std::fprintf(stderr, "  %slog:     %s\n", prefix.c_str(), host.log.c_str());
    }
    if (keep) {
        std::fprintf(stderr, "  tree:    %s (kept%s)\n", work.c_str(),
                     options.keep ? ": --keep" : ": the job failed");
    } else {
        std::fprintf(stderr,
                     "  tree:    removed (--keep keeps it, --output DIR copies model/ and output/ out)\n");
        std::error_code ec;
        fs::remove_all(work, ec);
    }
    return code;
}

}  // namespace smtrain::launcher
