// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal: the AWS region, as boto3.session.Session().region_name finds it.

#include <smtrain/environ.hpp>

#include <optional>
#include <string>

namespace smtrain::detail {

/// AWS_REGION, else AWS_DEFAULT_REGION (a set variable wins even when empty, as in
/// botocore), else `region` of the profile (AWS_DEFAULT_PROFILE, else AWS_PROFILE,
/// else "default", botocore's order) in AWS_CONFIG_FILE or ~/.aws/config. nullopt when none.
std::optional<std::string> default_region(const Environ& env);

/// `region` of `profile` in an AWS config file's text (INI as configparser reads it:
/// `[default]` or `[profile NAME]`, `key = value` or `key: value`, `#`/`;` comments).
std::optional<std::string> region_from_config_text(std::string_view text, std::string_view profile);

}  // namespace smtrain::detail
