// SPDX-License-Identifier: Apache-2.0
#include "lib/tree_writer.hpp"

#include "lib/tree_files.hpp"

#include <smtrain/error.hpp>
#include "lib/json.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <system_error>

namespace smtrain::detail {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void usage(const std::string& what) { throw Error(what, ExitCode::Usage); }

void dumps_into(const Value& v, std::string& out) {
    switch (v.kind()) {
        case Value::Kind::List: {
            out += '[';
            bool first = true;
            for (const Value& item : v.as_list()) {
                if (!first) out += ", ";
                first = false;
                dumps_into(item, out);
            }
            out += ']';
            return;
        }
        case Value::Kind::Dict: {
            out += '{';
            bool first = true;
            for (const auto& [key, item] : v.as_dict()) {
                if (!first) out += ", ";
                first = false;
                out += dump_json(Value(key));
                out += ": ";
                dumps_into(item, out);
            }
            out += '}';
            return;
        }
        default:
            // Scalars are spelled the same whatever the separators.
            out += dump_json(v);
    }
}

void set_encoded(std::vector<std::pair<std::string, std::string>>& hps, const std::string& name,
                 std::string text) {
    for (auto& [key, value] : hps) {
        if (key == name) {
            value = std::move(text);
            return;
        }
    }
    hps.emplace_back(name, std::move(text));
}

std::string group_of(const TreeSpec& spec, const std::vector<std::string>& hosts, const std::string& host,
                     std::string* instance_type) {
    if (spec.instance_groups.empty()) {
        if (instance_type) *instance_type = spec.instance_type;
        return "homogeneousCluster";
    }
    std::size_t next = 0;
    for (const auto& group : spec.instance_groups) {
        for (int i = 0; i < group.count; ++i, ++next) {
            if (next < hosts.size() && hosts[next] == host) {
                if (instance_type) *instance_type = group.instance_type;
                return group.name;
            }
        }
    }
    return "";
}

std::string current_host_of(const TreeSpec& spec, const std::vector<std::string>& hosts) {
    return spec.current_host.empty() ? hosts.front() : spec.current_host;
}

void check_name(std::string_view what, const std::string& name) {
    if (name.empty()) usage(std::string(what) + " name is empty");
    if (name.find('/') != std::string::npos || name == "." || name == "..") {
        usage(std::string(what) + " name '" + name + "' cannot be a directory name");
    }
}

}  // namespace

const std::vector<std::string_view>& distribution_names() {
    static const std::vector<std::string_view> names{"torch_distributed",
                                                     "mpi",
                                                     "smdistributed",
                                                     "pytorchddp",
                                                     "pytorchxla",
                                                     "parameter_server",
                                                     "multi_worker_mirrored_strategy"};
    return names;
}

std::string sdk_json_dumps(const Value& v) {
    std::string out;
    dumps_into(v, out);
    return out;
}

void set_hyperparameter(TreeSpec& spec, const std::string& name, const Value& value) {
    set_encoded(spec.hyperparameters, name, sdk_json_dumps(value));
}

void set_raw_hyperparameter(TreeSpec& spec, const std::string& name, std::string text) {
    set_encoded(spec.hyperparameters, name, std::move(text));
}

std::vector<std::string> resolved_hosts(const TreeSpec& spec) {
    if (!spec.hosts.empty()) return spec.hosts;
    int count = 0;
    for (const auto& group : spec.instance_groups) count += group.count;
    if (spec.instance_groups.empty()) count = 1;
    std::vector<std::string> hosts;
    for (int i = 1; i <= count; ++i) hosts.push_back("algo-" + std::to_string(i));
    return hosts;
}

void validate(const TreeSpec& spec) {
    const auto hosts = resolved_hosts(spec);
    if (hosts.empty()) usage("the job has no hosts");
    std::set<std::string> seen;
    for (const auto& host : hosts) {
        if (host.empty()) usage("a host name is empty");
        if (!seen.insert(host).second) usage("host " + host + " is given twice");
    }
    const std::string current = current_host_of(spec, hosts);
    if (!seen.count(current)) {
        std::string list;
        for (const auto& host : hosts) list += (list.empty() ? "" : ", ") + host;
        usage("current host " + current + " is not among the hosts (" + list + ")");
    }
    if (!spec.instance_groups.empty()) {
        int total = 0;
        std::set<std::string> groups;
        for (const auto& group : spec.instance_groups) {
            check_name("instance group", group.name);
            if (!groups.insert(group.name).second) usage("instance group " + group.name + " is given twice");
            if (group.count < 1) usage("instance group " + group.name + " has no hosts");
            if (group.instance_type.empty()) usage("instance group " + group.name + " has no instance type");
            total += group.count;
        }
        if (static_cast<std::size_t>(total) != hosts.size()) {
            usage(std::to_string(hosts.size()) + " hosts do not match the instance groups, which hold " +
                  std::to_string(total));
        }
        for (const auto& name : spec.distribution_options.instance_groups) {
            if (!groups.count(name))
                usage("distribution instance group " + name + " is not an instance group");
        }
    }
    std::set<std::string> channels;
    for (const auto& channel : spec.channels) {
        check_name("channel", channel.name);
        if (!channels.insert(channel.name).second) usage("channel " + channel.name + " is given twice");
    }
    if (spec.distribution) {
        const auto& names = distribution_names();
        if (std::find(names.begin(), names.end(), *spec.distribution) == names.end()) {
            std::string list;
            for (auto name : names) list += (list.empty() ? "" : ", ") + std::string(name);
            usage("unknown distribution '" + *spec.distribution + "' (known: " + list + ")");
        }
    }
}

std::string hyperparameters_json(const TreeSpec& spec) {
    auto hps = spec.hyperparameters;
    auto set = [&](const std::string& name, const Value& v) { set_encoded(hps, name, sdk_json_dumps(v)); };
    // Script mode: the SDK adds these after the user's hyperparameters.
    if (spec.submit_directory) set("sagemaker_submit_directory", *spec.submit_directory);
    if (spec.program) {
        set("sagemaker_program", *spec.program);
        set("sagemaker_container_log_level", spec.container_log_level);
    }
    if (spec.job_name) set("sagemaker_job_name", *spec.job_name);
    if (spec.region) set("sagemaker_region", *spec.region);

    // distribution=: the keys each estimator's _distribution_configuration writes.
    const auto hosts = resolved_hosts(spec);
    std::string instance_type;
    group_of(spec, hosts, current_host_of(spec, hosts), &instance_type);
    const auto& options = spec.distribution_options;
    if (!options.instance_groups.empty()) {
        Value groups = Value::list();
        for (const auto& name : options.instance_groups) groups.as_list().emplace_back(name);
        set("sagemaker_distribution_instance_groups", groups);
    }
    const std::string name = spec.distribution.value_or("");
    if (name == "torch_distributed") {
        set("sagemaker_torch_distributed_enabled", true);
        set("sagemaker_instance_type", instance_type);
    } else if (name == "mpi") {
        set("sagemaker_mpi_enabled", true);
        if (options.processes_per_host && *options.processes_per_host != 0) {
            set("sagemaker_mpi_num_of_processes_per_host", *options.processes_per_host);
        }
        set("sagemaker_mpi_custom_mpi_options", options.custom_mpi_options);
    } else if (name == "smdistributed") {
        set("sagemaker_distributed_dataparallel_enabled", true);
        set("sagemaker_instance_type", instance_type);
        set("sagemaker_distributed_dataparallel_custom_mpi_options", options.custom_mpi_options);
    } else if (name == "pytorchddp") {
        set("sagemaker_pytorch_ddp_enabled", true);
        set("sagemaker_instance_type", instance_type);
    } else if (name == "pytorchxla") {
        set("sagemaker_pytorch_xla_multi_worker_enabled", true);
        set("sagemaker_instance_type", instance_type);
    } else if (name == "parameter_server") {
        set("sagemaker_parameter_server_enabled", true);
    } else if (name == "multi_worker_mirrored_strategy") {
        set("sagemaker_multi_worker_mirrored_strategy_enabled", true);
    }

    Value file = Value::dict();
    for (auto& [key, text] : hps) file.set(key, std::move(text));
    return sdk_json_dumps(file) + "\n";
}

std::string resource_config_json(const TreeSpec& spec) {
    const auto hosts = resolved_hosts(spec);
    const std::string current = current_host_of(spec, hosts);
    std::string current_type;
    const std::string current_group = group_of(spec, hosts, current, &current_type);

    auto host_list = [](auto begin, auto end) {
        Value list = Value::list();
        for (auto it = begin; it != end; ++it) list.as_list().emplace_back(*it);
        return list;
    };
    Value groups = Value::list();
    if (spec.instance_groups.empty()) {
        Value group = Value::dict();
        group.set("instance_group_name", "homogeneousCluster");
        group.set("instance_type", spec.instance_type);
        group.set("hosts", host_list(hosts.begin(), hosts.end()));
        groups.as_list().push_back(std::move(group));
    } else {
        auto next = hosts.begin();
        for (const auto& g : spec.instance_groups) {
            Value group = Value::dict();
            group.set("instance_group_name", g.name);
            group.set("instance_type", g.instance_type);
            group.set("hosts", host_list(next, next + g.count));
            next += g.count;
            groups.as_list().push_back(std::move(group));
        }
    }
    // The keys and their order as the service writes them.
    Value rc = Value::dict();
    rc.set("current_host", current);
    rc.set("current_instance_type", current_type);
    rc.set("current_group_name", current_group);
    rc.set("hosts", host_list(hosts.begin(), hosts.end()));
    rc.set("instance_groups", std::move(groups));
    rc.set("network_interface_name", spec.network_interface);
    return sdk_json_dumps(rc) + "\n";
}

std::string input_data_config_json(const TreeSpec& spec) {
    Value config = Value::dict();
    for (const auto& channel : spec.channels) {
        Value c = Value::dict();
        if (!channel.content_type.empty()) c.set("ContentType", channel.content_type);
        c.set("TrainingInputMode", channel.input_mode);
        c.set("S3DistributionType", "FullyReplicated");
        c.set("RecordWrapperType", "None");
        config.set(channel.name, std::move(c));
    }
    return sdk_json_dumps(config) + "\n";
}

void write_config_files(const TreeSpec& spec, const Paths& paths) {
    validate(spec);
    for (const auto& dir :
         {paths.code, paths.model, paths.output_data, paths.input_config, paths.input_data}) {
        make_dirs(dir);
    }
    for (const auto& channel : spec.channels) {
        std::error_code ec;
        // A linked channel is a symbolic link already; create_directories would refuse it.
        if (!fs::exists(paths.channel(channel.name), ec)) make_dirs(paths.channel(channel.name));
    }
    write_file(paths.hyperparameters_file(), hyperparameters_json(spec));
    write_file(paths.resource_config_file(), resource_config_json(spec));
    write_file(paths.input_data_config_file(), input_data_config_json(spec));
}

void place(const fs::path& source, const fs::path& dest, bool link) {
    std::error_code ec;
    const auto status = fs::status(source, ec);
    if (!fs::exists(status)) usage(source.string() + ": no such file or directory");
    const fs::path absolute = fs::absolute(source, ec);
    auto fail = [&](const std::string& what) {
        throw Error("cannot " + what + " " + source.string() + " to " + dest.string() + ": " + ec.message(),
                    ExitCode::CannotWrite);
    };
    if (fs::is_directory(status)) {
        if (link) {
            if (fs::exists(dest, ec)) fs::remove_all(dest, ec);
            make_dirs(dest.parent_path());
            fs::create_directory_symlink(absolute, dest, ec);
            if (ec) fail("link");
            return;
        }
        make_dirs(dest);
        fs::copy(source, dest, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
        if (ec) fail("copy");
        return;
    }
    make_dirs(dest);
    const fs::path target = dest / source.filename();
    if (link) {
        fs::remove(target, ec);
        fs::create_symlink(absolute, target, ec);
        if (ec) fail("link");
        return;
    }
    fs::copy_file(source, target, fs::copy_options::overwrite_existing, ec);
    if (ec) fail("copy");
}

}  // namespace smtrain::detail
