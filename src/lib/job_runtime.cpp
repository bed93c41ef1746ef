// SPDX-License-Identifier: Apache-2.0
#include "lib/job_runtime_files.hpp"

#include "lib/config_files.hpp"

#include <smtrain/error.hpp>

#include <charconv>
#include <system_error>

namespace smtrain::detail {
namespace fs = std::filesystem;
namespace {

/// The file's value when it exists (a missing file is not an error: no SageMaker
/// doc promises any of these files), else nullopt.
std::optional<Value> optional_file(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    return read_json_file(path);
}

/// A string member when present (null counts as absent); anything else throws.
std::optional<std::string> optional_string(const Value::Dict& d, std::string_view key,
                                           const std::string& parent, const Checker& check) {
    for (const auto& [k, v] : d) {
        if (k != key || v.is_null()) continue;
        return check.string(v, json_path_key(parent, key));
    }
    return std::nullopt;
}

const Value* member(const Value::Dict& d, std::string_view key) {
    for (const auto& [k, v] : d) {
        if (k == key && !v.is_null()) return &v;
    }
    return nullptr;
}

std::int64_t positive_int(const Value& v, const std::string& path, const Checker& check) {
    const auto n = v.is_int() ? v.as_int64() : std::nullopt;
    if (!n) check.wrong_type(path, "integer", v);
    if (*n < 1) check.fail(path, "expected a positive integer, got " + std::to_string(*n));
    return *n;
}

/// `{"LocalPath": ..., "S3Uri"/"S3OutputPath": ...}` into dir and uri (a later source
/// does not replace what an earlier one said).
void read_location(const Value& v, const std::string& parent, const Checker& check, std::string_view uri_key,
                   std::optional<fs::path>& dir, std::optional<std::string>& uri) {
    const Value::Dict& d = check.object(v, parent);
    if (auto local = optional_string(d, "LocalPath", parent, check); local && !dir) {
        if (local->empty()) check.fail(json_path_key(parent, "LocalPath"), "expected a path, got \"\"");
        dir = fs::path(*local);
    }
    if (auto s3 = optional_string(d, uri_key, parent, check); s3 && !uri) uri = *s3;
}

void read_training_job_config(const Value& v, JobRuntime& runtime) {
    const Checker check("trainingjobconfig.json");
    const Value::Dict& d = check.object(v, "$");
    if (const Value* stop = member(d, "StoppingCondition")) {
        const Value::Dict& s = check.object(*stop, "$.StoppingCondition");
        if (const Value* max = member(s, "MaxRuntimeInSeconds"); max && !runtime.max_runtime) {
            runtime.max_runtime =
                std::chrono::seconds(positive_int(*max, "$.StoppingCondition.MaxRuntimeInSeconds", check));
        }
    }
    if (const Value* spot = member(d, "EnableManagedSpotTraining")) {
        if (!spot->is_bool()) check.wrong_type("$.EnableManagedSpotTraining", "boolean", *spot);
        runtime.managed_spot = spot->as_bool();
    }
    if (const Value* c = member(d, "CheckpointConfig"))
        read_location(*c, "$.CheckpointConfig", check, "S3Uri", runtime.checkpoint_dir,
                      runtime.checkpoint_s3_uri);
    if (const Value* t = member(d, "TensorBoardOutputConfig"))
        read_location(*t, "$.TensorBoardOutputConfig", check, "S3OutputPath", runtime.tensorboard_dir,
                      runtime.tensorboard_s3_uri);
}

void read_init_config(const Value& v, JobRuntime& runtime) {
    const Checker check("init-config.json");
    const Value::Dict& d = check.object(v, "$");
    if (const Value* info = member(d, "jobRunInfo")) {
        const Value::Dict& i = check.object(*info, "$.jobRunInfo");
        if (const Value* n = member(i, "jobRunNumber"))
            runtime.attempt = positive_int(*n, "$.jobRunInfo.jobRunNumber", check);
    }
}

bool non_empty_dir(const fs::path& dir) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    return !ec && it != fs::directory_iterator();
}

std::optional<std::int64_t> int_variable(const Environ& env, std::string_view name) {
    const auto text = lookup(env, name);
    if (!text || text->empty()) return std::nullopt;
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc() || end != text->data() + text->size())
        throw ConfigError(std::string(name), "", "expected an integer, got '" + *text + "'");
    return n;
}

std::optional<bool> bool_variable(const Environ& env, std::string_view name) {
    const auto text = lookup(env, name);
    if (!text || text->empty()) return std::nullopt;
    if (*text == "true") return true;
    if (*text == "false") return false;
    throw ConfigError(std::string(name), "", "expected true or false, got '" + *text + "'");
}

std::optional<std::string> string_variable(const Environ& env, std::string_view name) {
    auto text = lookup(env, name);
    if (!text || text->empty()) return std::nullopt;
    return text;
}

std::chrono::system_clock::time_point from_unix_seconds(std::int64_t seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

}  // namespace

JobRuntime read_job_runtime(const Paths& paths, const Environ& env,
                            std::optional<std::chrono::seconds> max_runtime) {
    JobRuntime runtime;
    runtime.max_runtime = max_runtime;
    // The dedicated files first: they are what SageMaker writes for these settings.
    if (auto v = optional_file(paths.input_config / "checkpointconfig.json")) {
        read_location(*v, "$", Checker("checkpointconfig.json"), "S3Uri", runtime.checkpoint_dir,
                      runtime.checkpoint_s3_uri);
    }
    if (auto v = optional_file(paths.input_config / "tensorboardoutputconfig.json")) {
        read_location(*v, "$", Checker("tensorboardoutputconfig.json"), "S3OutputPath",
                      runtime.tensorboard_dir, runtime.tensorboard_s3_uri);
    }
    if (auto v = optional_file(paths.input_config / "trainingjobconfig.json"))
        read_training_job_config(*v, runtime);
    if (auto v = optional_file(paths.input_config / "init-config.json")) read_init_config(*v, runtime);

    std::error_code ec;
    if (!runtime.checkpoint_dir && fs::is_directory(paths.checkpoints, ec))
        runtime.checkpoint_dir = paths.checkpoints;
    // SageMaker's default when only the S3 side is configured.
    if (runtime.tensorboard_s3_uri && !runtime.tensorboard_dir)
        runtime.tensorboard_dir = paths.output / "tensorboard";
    if (runtime.checkpoint_dir) runtime.resuming = non_empty_dir(*runtime.checkpoint_dir);

    if (auto deadline = int_variable(env, "SM_DEADLINE")) {
        runtime.deadline = from_unix_seconds(*deadline);
    } else if (runtime.max_runtime) {
        runtime.deadline =
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
            *runtime.max_runtime;
    }
    return runtime;
}

JobRuntime job_runtime_from_environment(const Environ& env) {
    JobRuntime runtime;
    if (auto dir = string_variable(env, "SM_CHECKPOINT_DIR")) runtime.checkpoint_dir = fs::path(*dir);
    runtime.checkpoint_s3_uri = string_variable(env, "SM_CHECKPOINT_S3_URI");
    if (auto dir = string_variable(env, "SM_TENSORBOARD_DIR")) runtime.tensorboard_dir = fs::path(*dir);
    runtime.tensorboard_s3_uri = string_variable(env, "SM_TENSORBOARD_S3_URI");
    if (auto max = int_variable(env, "SM_MAX_RUNTIME_SECONDS"))
        runtime.max_runtime = std::chrono::seconds(*max);
    if (auto deadline = int_variable(env, "SM_DEADLINE")) runtime.deadline = from_unix_seconds(*deadline);
    runtime.managed_spot = bool_variable(env, "SM_MANAGED_SPOT");
    runtime.attempt = int_variable(env, "SM_RUN_ATTEMPT");
    runtime.resuming = bool_variable(env, "SM_RESUMING").value_or(false);
    return runtime;
}

void append_job_runtime_vars(const JobRuntime& runtime, EnvVars& vars) {
    if (runtime.checkpoint_dir) {
        vars.emplace_back("SM_CHECKPOINT_DIR", runtime.checkpoint_dir->string());
        vars.emplace_back("SM_RESUMING", runtime.resuming ? "true" : "false");
    }
    if (runtime.checkpoint_s3_uri) vars.emplace_back("SM_CHECKPOINT_S3_URI", *runtime.checkpoint_s3_uri);
    if (runtime.tensorboard_dir) vars.emplace_back("SM_TENSORBOARD_DIR", runtime.tensorboard_dir->string());
    if (runtime.tensorboard_s3_uri) vars.emplace_back("SM_TENSORBOARD_S3_URI", *runtime.tensorboard_s3_uri);
    if (runtime.max_runtime)
        vars.emplace_back("SM_MAX_RUNTIME_SECONDS", std::to_string(runtime.max_runtime->count()));
    if (runtime.deadline) {
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(runtime.deadline->time_since_epoch()).count();
        vars.emplace_back("SM_DEADLINE", std::to_string(seconds));
    }
    if (runtime.managed_spot) vars.emplace_back("SM_MANAGED_SPOT", *runtime.managed_spot ? "true" : "false");
    if (runtime.attempt) vars.emplace_back("SM_RUN_ATTEMPT", std::to_string(*runtime.attempt));
}

}  // namespace smtrain::detail
