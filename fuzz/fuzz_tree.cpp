// SPDX-License-Identifier: Apache-2.0
#include "fuzz_tree.hpp"

#include <smtrain/error.hpp>
#include "lib/json.hpp"
#include "lib/python_format.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace smtrain::fuzz {
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, std::string_view text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) std::abort();
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n <= 0) std::abort();
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(fd);
}

template <class T>
void try_typed(const TrainingEnv& env, const std::string& key) {
    try {
        (void)env.hyperparameter<T>(key);
    } catch (const Error&) {
    }
}

}  // namespace

FuzzTree::FuzzTree() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/smtrain-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    base_ = pattern;
    fs::create_directories(base_ / "input" / "config");
    // Best effort: the tree goes when the fuzzer ends normally.
    static const fs::path* to_remove = &base_;
    std::atexit([] {
        std::error_code ec;
        fs::remove_all(*to_remove, ec);
    });
}

void FuzzTree::load_and_render(std::string_view resourceconfig, std::string_view inputdataconfig,
                               std::string_view hyperparameters) {
    const fs::path config = base_ / "input" / "config";
    write_file(config / "resourceconfig.json", resourceconfig);
    write_file(config / "inputdataconfig.json", inputdataconfig);
    write_file(config / "hyperparameters.json", hyperparameters);
    LoadOptions options;
    // A PATH and HOME that lead nowhere: no probe runs, no ~/.aws/config is read.
    options.environ =
        Environ{{"SAGEMAKER_BASE_DIR", base_.string()}, {"PATH", "/nonexistent"}, {"HOME", "/nonexistent"}};
    options.machine = MachineFacts{};
    options.create_local_tree = false;
    options.default_base = base_;
    try {
        render_everything(TrainingEnv::load(options));
    } catch (const Error&) {
        // A clean, typed refusal is the expected outcome for most inputs.
    }
}

void render_everything(const TrainingEnv& env) {
    (void)dump_json(env.training_env());
    (void)dump_json(env.training_env(), JsonDumpOptions{.sort_keys = true, .indent = 4});
    for (const auto& [name, value] : env.to_env_vars()) {
        // Names must be usable as environment variable names.
        if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos)
            std::abort();
    }
    (void)env.toolkit_process_env_vars();
    (void)env.to_cmd_args();
    (void)env.current_host_rank();
    (void)env.sagemaker_s3_output();
    for (const auto& [key, value] : env.hyperparameters().as_dict()) {
        try_typed<bool>(env, key);
        try_typed<int>(env, key);
        try_typed<std::int64_t>(env, key);
        try_typed<std::uint8_t>(env, key);
        try_typed<std::uint64_t>(env, key);
        try_typed<double>(env, key);
        try_typed<std::string>(env, key);
    }
    for (const auto& [name, dir] : env.channel_input_dirs()) (void)env.channel(name);
}

}  // namespace smtrain::fuzz
