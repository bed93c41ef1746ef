// SPDX-License-Identifier: Apache-2.0
#include "lib/region.hpp"

#include "lib/local_tree.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace smtrain::detail {

namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n\f\v");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n\f\v");
    return s.substr(first, last - first + 1);
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The profile a config section belongs to: "[default]" and "[profile NAME]" (any
// whitespace between the words), as botocore maps them; other sections are not profiles.
std::optional<std::string> section_profile(std::string_view header) {
    if (header == "default") return std::string("default");
    if (header.substr(0, 7) != "profile") return std::nullopt;
    std::string_view rest = header.substr(7);
    if (rest.empty() || (rest.front() != ' ' && rest.front() != '\t')) return std::nullopt;
    rest = trim(rest);
    if (rest.empty() || rest.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
    return std::string(rest);
}

std::filesystem::path expand_user(const std::string& path, const Environ& env) {
    if (path == "~") return home_dir(env);
    if (path.rfind("~/", 0) == 0) return home_dir(env) / path.substr(2);
    return path;
}

}  // namespace

std::optional<std::string> region_from_config_text(std::string_view text, std::string_view profile) {
    std::optional<std::string> region;
    bool in_profile = false;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view raw = text.substr(pos, end - pos);
        pos = end + 1;
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        // An indented line continues the previous value (e.g. an `s3 =` sub-section).
        if (raw.front() == ' ' || raw.front() == '\t') continue;
        if (line.front() == '[' && line.back() == ']') {
            const auto name = section_profile(line.substr(1, line.size() - 2));
            in_profile = name && *name == profile;
            continue;
        }
        if (!in_profile) continue;
        const std::size_t delimiter = line.find_first_of("=:");
        if (delimiter == std::string_view::npos) continue;
        if (lower(trim(line.substr(0, delimiter))) == "region") {
            region = std::string(trim(line.substr(delimiter + 1)));
        }
    }
    return region;
}

namespace {

/// What botocore's Session().region_name finds.
std::optional<std::string> botocore_region(const Environ& env) {
    if (auto region = lookup(env, "AWS_DEFAULT_REGION")) return region;

    // botocore's profile variables, in its order.
    std::string profile = "default";
    if (auto dp = lookup(env, "AWS_DEFAULT_PROFILE"); dp && !dp->empty()) {
        profile = *dp;
    } else if (auto p = lookup(env, "AWS_PROFILE"); p && !p->empty()) {
        profile = *p;
    }
    const std::string config_file = lookup(env, "AWS_CONFIG_FILE").value_or("~/.aws/config");
    std::ifstream in(expand_user(config_file, env));
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return region_from_config_text(text.str(), profile);
}

}  // namespace

std::optional<std::string> default_region(const Environ& env) {
    std::optional<std::string> region = botocore_region(env);
    if (region && !region->empty()) return region;
    // SageMaker sets AWS_REGION; botocore ignores it, so the toolkit exports "" where
    // it is the only source. Using it then changes no value the toolkit would give.
    if (auto fallback = lookup(env, "AWS_REGION"); fallback && !fallback->empty()) return fallback;
    return region;
}

}  // namespace smtrain::detail
