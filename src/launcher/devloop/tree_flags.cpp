// SPDX-License-Identifier: Apache-2.0
#include "launcher/devloop/tree_flags.hpp"

#include <smtrain/error.hpp>
#include "lib/json.hpp"

#include <CLI/CLI.hpp>

#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace smtrain::launcher {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad(const std::string& flag, const std::string& what) {
    throw Error(flag + ": " + what, ExitCode::Usage);
}

std::pair<std::string, std::string> split_pair(const std::string& flag, const std::string& text,
                                               std::string_view expected) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) bad(flag + " " + text, "expected " + std::string(expected));
    return {text.substr(0, eq), text.substr(eq + 1)};
}

/// The value as a JSON literal when it is one (3, 0.1, true, [1, 2], "x"), else the string.
Value hyperparameter_value(const std::string& text) {
    try {
        return parse_json(text, 100);
    } catch (const std::exception&) {
        return Value(text);
    }
}

bool is_tarball_name(const fs::path& path) {
    const std::string name = path.filename().string();
    for (std::string_view suffix : {".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz", ".tar.zst"}) {
        if (name.size() > suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            return true;
        }
    }
    return false;
}

int parse_count(const std::string& flag, const std::string& text) {
    int n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1) {
        bad(flag, "expected a count of at least 1, got '" + text + "'");
    }
    return n;
}

std::string list_of(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in.good() && !in.eof()) throw std::runtime_error("unreadable");
    return s.str();
}

}  // namespace

void add_tree_flags(CLI::App& cmd, TreeFlags& f) {
    cmd.add_option("--hp", f.hps,
                   "A hyperparameter NAME=VALUE (repeatable): VALUE is read as a JSON literal when it is "
                   "one (3, 0.1, true, [1,2]), else as a string; written JSON-encoded as the SDK does")
        ->type_name("NAME=VALUE");
    cmd.add_option("--hps", f.hps_file, "A JSON object of hyperparameters, as given to an estimator")
        ->type_name("FILE.json");
    cmd.add_option("--channel", f.channels,
                   "A channel NAME=PATH (repeatable): the file or directory is copied")
        ->type_name("NAME=PATH");
    cmd.add_flag("--link", f.link, "Link channel data instead of copying it");
    cmd.add_option("--entry-point", f.entry_point,
                   "The program (sagemaker_program), in --source-dir or a path");
    cmd.add_option("--source-dir", f.source_dir, "The code: a directory, or a .tar.gz as the SDK uploads it")
        ->type_name("DIR|FILE.tar.gz");
    cmd.add_option("--instance-type", f.instance_type, "The instance type (default: local)");
    cmd.add_option("--hosts", f.host_count, "N hosts algo-1 .. algo-N")->type_name("N");
    cmd.add_option("--host", f.host_names, "A host name (repeatable), in order")->type_name("NAME");
    cmd.add_option("--current-host", f.current_host, "This host (default: the first)")->type_name("NAME");
    cmd.add_option("--instance-group", f.instance_groups,
                   "An instance group NAME:TYPE:COUNT (repeatable; several: a heterogeneous cluster)")
        ->type_name("NAME:TYPE:COUNT");
    cmd.add_option("--distribution", f.distribution,
                   "torch_distributed, mpi, smdistributed, pytorchddp, pytorchxla, parameter_server or "
                   "multi_worker_mirrored_strategy: the hyperparameters the SDK's distribution= writes")
        ->type_name("NAME");
    cmd.add_option("--processes-per-host", f.processes_per_host, "mpi: processes_per_host")->type_name("N");
    cmd.add_option("--custom-mpi-options", f.custom_mpi_options, "mpi, smdistributed: custom_mpi_options")
        ->type_name("OPTIONS");
    cmd.add_option("--distribution-group", f.distribution_groups,
                   "Heterogeneous clusters: an instance group that takes part in distribution (repeatable)")
        ->type_name("NAME");
    cmd.add_option("--job-name", f.job_name, "sagemaker_job_name");
    cmd.add_option("--region", f.region, "sagemaker_region");
    cmd.add_option("--network-interface", f.network_interface, "network_interface_name (default: eth0)");
}

TreePlan tree_plan(const TreeFlags& f, const fs::path& base) {
    TreePlan plan;
    detail::TreeSpec& spec = plan.spec;
    const Paths paths = Paths::under(base);

    // Hyperparameters: --hps first, then each --hp (a later one replaces an earlier one).
    if (!f.hps_file.empty()) {
        const std::string flag = "--hps " + f.hps_file;
        std::error_code ec;
        if (!fs::is_regular_file(f.hps_file, ec)) bad(flag, "no such file");
        Value hps;
        try {
            hps = parse_json(read_text(f.hps_file), 1000);
        } catch (const JsonSyntaxError& e) {
            bad(flag, std::string("not JSON: ") + e.what());
        } catch (const std::exception& e) {
            bad(flag, "cannot read the file");
        }
        if (!hps.is_dict()) bad(flag, std::string("expected a JSON object, got ") + hps.json_type_name());
        for (const auto& [name, value] : hps.as_dict()) detail::set_hyperparameter(spec, name, value);
    }
    for (const auto& hp : f.hps) {
        auto [name, value] = split_pair("--hp", hp, "NAME=VALUE");
        detail::set_hyperparameter(spec, name, hyperparameter_value(value));
    }

    // Channels.
    std::set<std::string> channel_names;
    for (const auto& channel : f.channels) {
        auto [name, path] = split_pair("--channel", channel, "NAME=PATH");
        const std::string flag = "--channel " + channel;
        if (name.find('/') != std::string::npos || name == "." || name == "..") {
            bad(flag, "a channel name cannot hold '/'");
        }
        if (!channel_names.insert(name).second) bad(flag, "channel " + name + " is given twice");
        std::error_code ec;
        if (path.empty() || !fs::exists(path, ec)) bad(flag, path + ": no such file or directory");
        spec.channels.push_back({name, ""});
        plan.placements.push_back({fs::absolute(path), fs::path("input/data") / name, f.link});
    }

    // Code: the SDK's source_dir and entry_point.
    if (!f.source_dir.empty()) {
        const std::string flag = "--source-dir " + f.source_dir;
        std::error_code ec;
        const auto status = fs::status(f.source_dir, ec);
        if (!fs::exists(status)) bad(flag, "no such file or directory");
        if (fs::is_directory(status)) {
            if (!f.entry_point.empty() && !fs::exists(fs::path(f.source_dir) / f.entry_point, ec)) {
                bad("--entry-point " + f.entry_point, "not found in " + f.source_dir);
            }
            plan.placements.push_back({fs::absolute(f.source_dir), "code", false});
            spec.submit_directory = paths.code.string();
        } else if (is_tarball_name(f.source_dir)) {
            // As SageMaker with network isolation: the tarball arrives as channel
            // `code` and the toolkit extracts it into the code dir when the job starts.
            if (channel_names.count("code")) bad(flag, "channel code is taken by --channel code=...");
            spec.channels.push_back({"code", ""});
            plan.placements.push_back({fs::absolute(f.source_dir), "input/data/code", false});
            // place() keeps the file's name; the submit directory names it.
            spec.submit_directory = (paths.channel("code") / fs::path(f.source_dir).filename()).string();
        } else {
            bad(flag, "expected a directory or a .tar.gz");
        }
    }
    if (!f.entry_point.empty()) {
        if (f.source_dir.empty()) {
            // As the SDK with no source_dir: the entry point is a local file, uploaded alone.
            std::error_code ec;
            if (!fs::is_regular_file(f.entry_point, ec)) {
                bad("--entry-point " + f.entry_point,
                    "no such file (give --source-dir, or a path to the program)");
            }
            plan.placements.push_back({fs::absolute(f.entry_point), "code", false});
            spec.submit_directory = paths.code.string();
            spec.program = fs::path(f.entry_point).filename().string();
        } else {
            spec.program = f.entry_point;
        }
    }
    if (!f.job_name.empty()) spec.job_name = f.job_name;
    if (!f.region.empty()) spec.region = f.region;

    // Cluster.
    if (!f.instance_type.empty()) spec.instance_type = f.instance_type;
    if (!f.network_interface.empty()) spec.network_interface = f.network_interface;
    if (f.host_count && !f.host_names.empty())
        bad("--hosts", "give either --hosts N or --host NAME, not both");
    if (f.host_count) {
        if (*f.host_count < 1 || *f.host_count > 250) {
            bad("--hosts " + std::to_string(*f.host_count), "expected 1 to 250 hosts");
        }
        for (int i = 1; i <= *f.host_count; ++i) spec.hosts.push_back("algo-" + std::to_string(i));
    }
    std::set<std::string> seen;
    for (const auto& host : f.host_names) {
        if (host.empty()) bad("--host", "a host name is empty");
        if (!seen.insert(host).second) bad("--host " + host, "given twice");
        spec.hosts.push_back(host);
    }
    int group_total = 0;
    for (const auto& group : f.instance_groups) {
        const std::string flag = "--instance-group " + group;
        const auto first = group.find(':');
        const auto last = group.rfind(':');
        if (first == std::string::npos || first == last || first == 0 || last == first + 1) {
            bad(flag, "expected NAME:TYPE:COUNT");
        }
        detail::InstanceGroupSpec g{group.substr(0, first), group.substr(first + 1, last - first - 1),
                                    parse_count(flag, group.substr(last + 1))};
        for (const auto& other : spec.instance_groups) {
            if (other.name == g.name) bad(flag, "instance group " + g.name + " is given twice");
        }
        group_total += g.count;
        spec.instance_groups.push_back(std::move(g));
    }
    if (!spec.instance_groups.empty() && !spec.hosts.empty() &&
        spec.hosts.size() != static_cast<std::size_t>(group_total)) {
        bad(f.host_count ? "--hosts " + std::to_string(*f.host_count) : std::string("--host"),
            std::to_string(spec.hosts.size()) + " hosts do not match the instance groups, which hold " +
                std::to_string(group_total));
    }
    if (!spec.instance_groups.empty() && !f.instance_type.empty()) {
        bad("--instance-type", "give the instance types in --instance-group NAME:TYPE:COUNT instead");
    }
    const auto hosts = detail::resolved_hosts(spec);
    if (!f.current_host.empty()) {
        if (std::find(hosts.begin(), hosts.end(), f.current_host) == hosts.end()) {
            bad("--current-host " + f.current_host, "not among the hosts (" + list_of(hosts) + ")");
        }
        spec.current_host = f.current_host;
    }

    // Distribution.
    if (!f.distribution.empty()) {
        const auto& names = detail::distribution_names();
        if (std::find(names.begin(), names.end(), f.distribution) == names.end()) {
            std::string known;
            for (auto name : names) known += (known.empty() ? "" : ", ") + std::string(name);
            bad("--distribution " + f.distribution, "unknown distribution (known: " + known + ")");
        }
        spec.distribution = f.distribution;
    }
    if (f.processes_per_host && f.distribution != "mpi")
        bad("--processes-per-host", "needs --distribution mpi");
    if (!f.custom_mpi_options.empty() && f.distribution != "mpi" && f.distribution != "smdistributed") {
        bad("--custom-mpi-options", "needs --distribution mpi or smdistributed");
    }
    if (f.processes_per_host && *f.processes_per_host < 1) {
        bad("--processes-per-host " + std::to_string(*f.processes_per_host), "expected at least 1");
    }
    spec.distribution_options.processes_per_host = f.processes_per_host;
    spec.distribution_options.custom_mpi_options = f.custom_mpi_options;
    for (const auto& name : f.distribution_groups) {
        const bool known = std::any_of(spec.instance_groups.begin(), spec.instance_groups.end(),
                                       [&](const auto& g) { return g.name == name; });
        if (!known) bad("--distribution-group " + name, "not an --instance-group");
        spec.distribution_options.instance_groups.push_back(name);
    }

    // Whatever the checks above did not name (they should have named everything).
    try {
        detail::validate(spec);
    } catch (const Error& e) {
        bad("the job", e.what());
    }
    return plan;
}

void write_tree(const TreePlan& plan, const fs::path& base, bool replace) {
    std::error_code ec;
    const fs::path parent = base.parent_path();
    fs::create_directories(parent, ec);
    if (ec) throw Error("cannot create " + parent.string() + ": " + ec.message(), ExitCode::CannotWrite);
    std::string pattern = (parent / ("." + base.filename().string() + ".sm-train-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw Error("cannot create a directory in " + parent.string(), ExitCode::CannotWrite);
    }
    const fs::path staging = pattern;
    try {
        const Paths paths = Paths::under(staging);
        for (const auto& p : plan.placements) detail::place(p.source, staging / p.relative_dest, p.link);
        detail::write_config_files(plan.spec, paths);
        if (fs::exists(fs::symlink_status(base, ec))) {
            if (!replace && !(fs::is_directory(base, ec) && fs::is_empty(base, ec))) {
                throw Error(base.string() + ": exists and is not empty", ExitCode::Usage);
            }
            // Out of the way first, removed once the new tree is in place.
            const fs::path old = staging.string() + ".old";
            fs::rename(base, old, ec);
            if (ec)
                throw Error("cannot replace " + base.string() + ": " + ec.message(), ExitCode::CannotWrite);
            fs::rename(staging, base, ec);
            if (ec) {
                std::error_code back;
                fs::rename(old, base, back);
                throw Error("cannot rename into " + base.string() + ": " + ec.message(),
                            ExitCode::CannotWrite);
            }
            fs::remove_all(old, ec);
            return;
        }
        fs::rename(staging, base, ec);
        if (ec)
            throw Error("cannot rename into " + base.string() + ": " + ec.message(), ExitCode::CannotWrite);
    } catch (...) {
        fs::remove_all(staging, ec);
        throw;
    }
}

}  // namespace smtrain::launcher
