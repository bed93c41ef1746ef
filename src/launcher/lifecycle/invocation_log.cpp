// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/invocation_log.hpp"

#include "lib/json.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace smtrain::launcher {
namespace {

/// Secret values shorter than this are masked only where their name is seen:
/// replacing "1" or "abc" everywhere would garble the log.
constexpr std::size_t kMinMaskedValue = 4;

void collect_and_mask(Value& v, std::set<std::string>& secrets) {
    if (v.is_dict()) {
        for (auto& [key, child] : v.as_dict()) {
            if (is_secret_name(key) && !child.is_dict() && !child.is_list()) {
                if (child.is_string()) secrets.insert(child.as_string());
                child = Value(std::string(kMask));
            } else {
                collect_and_mask(child, secrets);
            }
        }
    } else if (v.is_list()) {
        for (auto& child : v.as_list()) collect_and_mask(child, secrets);
    }
}

}  // namespace

void mask_all(std::string& text, std::string_view secret) {
    if (secret.empty()) return;
    for (std::size_t at = 0; (at = text.find(secret, at)) != std::string::npos; at += kMask.size()) {
        text.replace(at, secret.size(), kMask);
    }
}

bool is_secret_name(std::string_view name) {
    // ASCII only, as std::toupper in the "C" locale sm-train runs in, without a
    // call into the C library per character (every key of the Training Env is asked).
    std::string upper(name);
    for (char& c : upper) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    static constexpr std::array<std::string_view, 5> words = {"SECRET", "TOKEN", "PASSWORD", "CREDENTIAL",
                                                              "ACCESS_KEY"};
    return std::any_of(words.begin(), words.end(),
                       [&](std::string_view w) { return upper.find(w) != std::string::npos; });
}

std::string invocation_message(const Value& training_env, const EnvVars& variables,
                               const std::string& command) {
    std::set<std::string> secrets;
    Value masked_env = training_env;
    collect_and_mask(masked_env, secrets);

    std::string vars_text;
    for (const auto& [name, value] : variables) {
        if (!vars_text.empty()) vars_text += '\n';
        if (is_secret_name(name)) {
            secrets.insert(value);
            vars_text += name + "=" + std::string(kMask);
        } else {
            vars_text += name + "=" + value;
        }
    }

    std::string message = "Invoking user script\n\nTraining Env:\n\n" +
                          dump_json(masked_env, JsonDumpOptions{.sort_keys = false, .indent = 4}) +
                          "\n\nEnvironment variables:\n\n" + vars_text +
                          "\n\nInvoking script with the following command:\n\n" + command + "\n\n";
    for (const auto& secret : secrets) {
        if (secret.size() < kMinMaskedValue) continue;
        mask_all(message, secret);
        // The same value as it appears inside JSON strings (SM_HPS, SM_TRAINING_ENV).
        std::string quoted = dump_json(Value(secret));
        std::string inner = quoted.substr(1, quoted.size() - 2);
        if (inner != secret) mask_all(message, inner);
    }
    return message;
}

}  // namespace smtrain::launcher
