// SPDX-License-Identifier: Apache-2.0
#include "settings.hpp"

#include <algorithm>
#include <cctype>

namespace smtrain::launcher {
namespace fs = std::filesystem;

Settings Settings::from_environment(const Environ& environ) {
    Settings settings;
    settings.grace_period = seconds_variable(environ, "SMTRAIN_GRACE_PERIOD_S", settings.grace_period);
    settings.dns_wait = dns_wait_options(environ);
    settings.sync_wait = SyncWaitBounds::from_environment(environ);
    std::string local = lookup(environ, "SM_STUDIO_LOCAL_MODE").value_or("");
    std::transform(local.begin(), local.end(), local.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    settings.studio_local_mode = local == "true";
    settings.codeartifact_repository_arn = lookup(environ, "CA_REPOSITORY_ARN").value_or("");
    if (auto tmp = lookup(environ, "TMPDIR"); tmp && !tmp->empty()) settings.temp_dir = *tmp;
    return settings;
}

Environ with_absolute_base_dir(Environ environ) {
    auto it = environ.find(std::string_view("SAGEMAKER_BASE_DIR"));
    if (it == environ.end() || it->second.empty() || fs::path(it->second).is_absolute()) return environ;
    std::error_code ec;
    const fs::path absolute = fs::absolute(it->second, ec);
    if (!ec) it->second = absolute.lexically_normal().string();
    return environ;
}

}  // namespace smtrain::launcher
