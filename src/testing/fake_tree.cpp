// SPDX-License-Identifier: Apache-2.0
#include <smtrain/error.hpp>
#include <smtrain/testing/fake_tree.hpp>

#include "lib/tree_writer.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <utility>

namespace smtrain::testing {

namespace fs = std::filesystem;

struct FakeTree::State {
    fs::path root;
    fs::path base;
    Paths paths;
    detail::TreeSpec spec;
    MachineFacts machine;

    void write() const { detail::write_config_files(spec, paths); }

    // The builders change a copy and keep it only when the whole job is still
    // consistent, so a refused call leaves the tree as it was.
    template <class Change>
    void change(Change&& apply) {
        detail::TreeSpec next = spec;
        apply(next);
        detail::write_config_files(next, paths);
        spec = std::move(next);
    }
};

namespace {

void write_file(const fs::path& path, std::string_view content) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec)
        throw Error("cannot create " + path.parent_path().string() + ": " + ec.message(),
                    ExitCode::CannotWrite);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) throw Error("cannot write " + path.string(), ExitCode::CannotWrite);
}

bool has_channel(const detail::TreeSpec& spec, const std::string& name) {
    for (const auto& channel : spec.channels) {
        if (channel.name == name) return true;
    }
    return false;
}

}  // namespace

FakeTree::FakeTree() : state_(std::make_unique<State>()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/smtrain-fake-tree-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw Error("cannot create a temporary directory " + pattern, ExitCode::CannotWrite);
    }
    state_->root = pattern;
    state_->base = state_->root / "opt" / "ml";
    state_->paths = Paths::under(state_->base);
    state_->write();
}

FakeTree::~FakeTree() {
    if (!state_) return;  // moved from
    std::error_code ec;
    // A test may have made directories read-only; give them back before removing.
    for (auto it = fs::recursive_directory_iterator(state_->root,
                                                    fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec)) {
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
        }
    }
    fs::remove_all(state_->root, ec);
}

FakeTree::FakeTree(FakeTree&&) noexcept = default;
FakeTree& FakeTree::operator=(FakeTree&& other) noexcept {
    if (this != &other) {
        FakeTree gone(std::move(*this));  // removes our directory
        state_ = std::move(other.state_);
    }
    return *this;
}

FakeTree& FakeTree::hyperparameter(const std::string& name, const Value& value) {
    state_->change([&](detail::TreeSpec& s) { detail::set_hyperparameter(s, name, value); });
    return *this;
}

FakeTree& FakeTree::raw_hyperparameter(const std::string& name, std::string text) {
    state_->change([&](detail::TreeSpec& s) { detail::set_raw_hyperparameter(s, name, text); });
    return *this;
}

FakeTree& FakeTree::program(const std::string& entry_point) {
    state_->change([&](detail::TreeSpec& s) { s.program = entry_point; });
    return *this;
}

FakeTree& FakeTree::submit_directory(const std::string& where) {
    state_->change([&](detail::TreeSpec& s) { s.submit_directory = where; });
    return *this;
}

FakeTree& FakeTree::job_name(const std::string& name) {
    state_->change([&](detail::TreeSpec& s) { s.job_name = name; });
    return *this;
}

FakeTree& FakeTree::region(const std::string& region) {
    state_->change([&](detail::TreeSpec& s) { s.region = region; });
    return *this;
}

FakeTree& FakeTree::distribution(const std::string& name) {
    state_->change([&](detail::TreeSpec& s) { s.distribution = name; });
    return *this;
}

FakeTree& FakeTree::processes_per_host(int count) {
    state_->change([&](detail::TreeSpec& s) { s.distribution_options.processes_per_host = count; });
    return *this;
}

FakeTree& FakeTree::custom_mpi_options(const std::string& options) {
    state_->change([&](detail::TreeSpec& s) { s.distribution_options.custom_mpi_options = options; });
    return *this;
}

FakeTree& FakeTree::distribution_instance_groups(std::vector<std::string> groups) {
    state_->change([&](detail::TreeSpec& s) { s.distribution_options.instance_groups = groups; });
    return *this;
}

FakeTree& FakeTree::channel(const std::string& name, const std::string& content_type) {
    state_->change([&](detail::TreeSpec& s) {
        for (auto& channel : s.channels) {
            if (channel.name == name) {
                channel.content_type = content_type;
                return;
            }
        }
        s.channels.push_back({name, content_type});
    });
    return *this;
}

FakeTree& FakeTree::channel_file(const std::string& channel, const fs::path& relative,
                                 std::string_view content) {
    if (!has_channel(state_->spec, channel)) this->channel(channel);
    write_file(state_->paths.channel(channel) / relative, content);
    return *this;
}

FakeTree& FakeTree::channel_from(const std::string& channel, const fs::path& source, bool link) {
    if (!fs::exists(source)) throw Error(source.string() + ": no such file or directory", ExitCode::Usage);
    if (!has_channel(state_->spec, channel)) this->channel(channel);
    detail::place(source, state_->paths.channel(channel), link);
    return *this;
}

FakeTree& FakeTree::code_file(const fs::path& relative, std::string_view content, bool executable) {
    const fs::path full = state_->paths.code / relative;
    write_file(full, content);
    if (executable) ::chmod(full.c_str(), 0755);
    return *this;
}

FakeTree& FakeTree::hosts(int count) {
    std::vector<std::string> names;
    for (int i = 1; i <= count; ++i) names.push_back("algo-" + std::to_string(i));
    return hosts(std::move(names));
}

FakeTree& FakeTree::hosts(std::vector<std::string> names) {
    state_->change([&](detail::TreeSpec& s) {
        s.hosts = names;
        if (s.hosts.empty()) throw Error("hosts: a job has at least one host", ExitCode::Usage);
    });
    return *this;
}

FakeTree& FakeTree::current_host(const std::string& name) {
    state_->change([&](detail::TreeSpec& s) { s.current_host = name; });
    return *this;
}

FakeTree& FakeTree::instance_type(const std::string& type) {
    state_->change([&](detail::TreeSpec& s) { s.instance_type = type; });
    return *this;
}

FakeTree& FakeTree::instance_group(const std::string& name, const std::string& instance_type, int count) {
    state_->change([&](detail::TreeSpec& s) { s.instance_groups.push_back({name, instance_type, count}); });
    return *this;
}

FakeTree& FakeTree::network_interface(const std::string& name) {
    state_->change([&](detail::TreeSpec& s) { s.network_interface = name; });
    return *this;
}

FakeTree& FakeTree::machine(const MachineFacts& facts) {
    state_->machine = facts;
    return *this;
}

const fs::path& FakeTree::base() const { return state_->base; }

const Paths& FakeTree::paths() const { return state_->paths; }

TrainingEnv FakeTree::load() const {
    LoadOptions options;
    options.environ = Environ{{"SAGEMAKER_BASE_DIR", state_->base.string()}};
    // The service sets TRAINING_JOB_NAME; the SDK's script mode the hyperparameter.
    if (state_->spec.job_name) options.environ->emplace("TRAINING_JOB_NAME", *state_->spec.job_name);
    options.machine = state_->machine;
    options.create_local_tree = false;
    options.default_base = state_->base;
    return TrainingEnv::load(options);
}

Environ FakeTree::environ() const {
    const TrainingEnv env = load();
    Environ vars;
    for (auto& [name, value] : env.to_env_vars()) vars.insert_or_assign(name, value);
    for (auto& [name, value] : env.toolkit_process_env_vars()) vars.insert_or_assign(name, value);
    return vars;
}

}  // namespace smtrain::testing
