// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// How hyperparameters become the program's arguments: the toolkit's
/// `--key value` (argparse, the default), Hydra overrides, boolean flags, or a
/// command template. sm-train renders with these functions (SMTRAIN_ARGS, see
/// docs/launcher.md); a C++ program or a test calls them to see the same argv.
///
/// Errors: ArgumentStyle::parse throws ConfigError naming the setting (exit
/// 65); render_arguments throws ConfigError naming the hyperparameter (a name
/// or value the style cannot express, a NUL) or the setting (a template's
/// unknown placeholder), exit 65.

#include <smtrain/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace smtrain {

/// One way of turning hyperparameters into arguments.
struct ArgumentStyle {
    enum class Kind {
        Argparse,  ///< `--key value` sorted by key, values as Python's str(): the toolkit's
        Hydra,     ///< `key=value` overrides in Hydra's grammar, sorted by key
        Flags,     ///< argparse, but `true` is `--key` alone and `false` drops the key
        Template,  ///< the program's whole argv, `{name}` replaced by that hyperparameter
    };
    Kind kind = Kind::Argparse;
    /// Hydra: what each override starts with: "" (override a key of the
    /// config), "+" (append a key that is not in it), "++" (either).
    std::string hydra_prefix;
    /// Template: the words, with `{name}` placeholders and `{{`/`}}` for braces.
    std::vector<std::string> template_words;
    /// The setting's name, for errors ("SMTRAIN_ARGS").
    std::string setting = "SMTRAIN_ARGS";

    /// "argparse" (also ""), "hydra", "hydra+", "hydra++", "flags", or a
    /// template: a JSON array of strings (`["train.py", "--lr", "{lr}"]`) or
    /// words separated by blanks (`train.py --lr {lr}`; a template of one word
    /// needs the array form). Never a shell: no quotes, no expansions.
    /// Throws ConfigError(setting, "", ...) for anything else, an unbalanced
    /// brace or an empty placeholder.
    static ArgumentStyle parse(std::string_view text, std::string_view setting = "SMTRAIN_ARGS");

    /// "argparse", "hydra", "hydra+", "hydra++", "flags" or "template".
    std::string name() const;
};

/// Where the hyperparameters came from, for errors ("hyperparameters.json", "$").
struct ArgumentSource {
    std::string file = "hyperparameters.json";
    std::string path_prefix = "$";
};

/// The decoded hyperparameters (a dict) as arguments in `style`; for a
/// template, the whole argv the template names (program first). Throws
/// ConfigError as the file comment says.
std::vector<std::string> render_arguments(const Value& hyperparameters, const ArgumentStyle& style,
                                          const ArgumentSource& source = {});

/// One value as a Hydra override writes it, so that Hydra's parser gives the
/// same value back: `null`, `true`, `3`, `0.1`, `[1,'a b']`, `{k:v}`, and a
/// string bare when Hydra reads it as that string, else quoted. Throws
/// std::invalid_argument when Hydra cannot express it (a dict key that is not
/// a plain name).
std::string hydra_value(const Value& value);

}  // namespace smtrain
