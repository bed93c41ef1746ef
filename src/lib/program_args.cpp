// SPDX-License-Identifier: Apache-2.0
// The program's arguments in each style (program_args.hpp). The argparse style
// is the toolkit's mapping.to_cmd_args; the others are ours (docs/launcher.md).
#include <smtrain/error.hpp>
#include <smtrain/program_args.hpp>
#include "lib/json.hpp"
#include "lib/python_format.hpp"

#include "lib/config_files.hpp"

#include <algorithm>
#include <stdexcept>

namespace smtrain {

namespace {

using Item = std::pair<std::string, Value>;

std::vector<const Item*> sorted_items(const Value::Dict& dict) {
    std::vector<const Item*> items;
    items.reserve(dict.size());
    for (const auto& item : dict) items.push_back(&item);
    std::sort(items.begin(), items.end(), [](const Item* a, const Item* b) { return a->first < b->first; });
    return items;
}

// Python's len(str): code points, so "é" is a one-character key and gets one dash.
std::size_t code_points(std::string_view utf8) {
    return static_cast<std::size_t>(std::count_if(
        utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The toolkit's `%s` of a hyperparameter value in argv: a dict as "k=v,k2=v2" sorted by key.
std::string str_value(const Value& v) {
    if (v.is_null()) return {};
    if (!v.is_dict()) return python_str(v);
    std::string out;
    for (const Item* item : sorted_items(v.as_dict())) {
        if (!out.empty()) out += ',';
        out += item->first;
        out += '=';
        out += python_str(item->second);
    }
    return out;
}

// "--key" ("-k" for a one-character key, "" for the empty key), as the toolkit names an option.
std::string option_name(const std::string& key) {
    if (key.empty()) return {};
    return (code_points(key) > 1 ? "--" : "-") + key;
}

bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_digit(char c) { return c >= '0' && c <= '9'; }

// Hydra's ID: (CHAR|'_') (CHAR|DIGIT|'_'|'-')*.
bool hydra_id(std::string_view s) {
    if (s.empty() || !(ascii_alpha(s[0]) || s[0] == '_')) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return ascii_alpha(c) || ascii_digit(c) || c == '_' || c == '-'; });
}

// Hydra's INT_UNSIGNED without underscores: a list index in a dotted key.
bool hydra_index(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), ascii_digit) && (s == "0" || s[0] != '0');
}

// A key Hydra's override grammar reads as this name: a dotted path
// (trainer.max_epochs, layers.0.size) or a config group path (model/encoder).
bool hydra_key(std::string_view key) {
    const char separator = key.find('/') != std::string_view::npos ? '/' : '.';
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = key.find(separator, start);
        const std::string_view part = key.substr(start, end - start);
        if (!(hydra_id(part) || (separator == '.' && hydra_index(part)))) return false;
        if (end == std::string_view::npos) return true;
        start = end + 1;
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return out;
}

// A string Hydra reads back, unquoted, as this very string: a name-like word
// that is no keyword. (yes/no/on/off are quoted too: YAML 1.1 readers of the
// same text, OmegaConf's from_cli among them, would take them for booleans.)
bool hydra_bare_string(std::string_view s) {
    if (s.empty() || !(ascii_alpha(s[0]) || s[0] == '_' || s[0] == '/')) return false;
    if (!std::all_of(s.begin(), s.end(), [](char c) {
            return ascii_alpha(c) || ascii_digit(c) || c == '_' || c == '-' || c == '.' || c == '/';
        }))
        return false;
    static const char* const keywords[] = {"true", "false", "null", "none", "inf", "nan",
                                           "yes",  "no",    "on",   "off",  "y",   "n"};
    const std::string l = lower(s);
    return std::none_of(std::begin(keywords), std::end(keywords), [&](const char* k) { return l == k; });
}

// Hydra's quoted value: the quote character escaped with a backslash, a run of
// backslashes doubled where it comes before a quote (escaped or closing), and
// `${` escaped so that OmegaConf does not read an interpolation into it.
std::string hydra_quoted(std::string_view s) {
    const bool has_single = s.find('\'') != std::string_view::npos;
    const bool has_double = s.find('"') != std::string_view::npos;
    const char quote = has_single && !has_double ? '"' : '\'';
    std::string out(1, quote);
    std::size_t backslashes = 0;  // the run of backslashes just copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool interpolation = c == '$' && i + 1 < s.size() && s[i + 1] == '{';
        if (c == quote || interpolation) {
            out.append(backslashes, '\\');
            out += '\\';
        }
        out += c;
        backslashes = c == '\\' ? backslashes + 1 : 0;
    }
    out.append(backslashes, '\\');
    out += quote;
    return out;
}

void check_no_nul(const std::string& arg, const std::string& key, const ArgumentSource& source) {
    // A NUL cannot cross execve; the toolkit fails there with "embedded null byte".
    if (arg.find('\0') != std::string::npos) {
        throw ConfigError(source.file, detail::json_path_key(source.path_prefix, key),
                          "the value holds a NUL character, which cannot be passed in argv");
    }
}

std::vector<std::string> argparse_args(const Value::Dict& hps, bool flags, const ArgumentSource& source) {
    std::vector<std::string> args;
    args.reserve(2 * hps.size());
    for (const Item* item : sorted_items(hps)) {
        const auto& [key, value] = *item;
        if (flags) {
            // The strings Python's str(bool) gives count too, as hyperparameter<bool> reads them.
            const bool is_true = value.is_bool() ? value.as_bool()
                                                 : value.is_string() && (value.as_string() == "true" ||
                                                                         value.as_string() == "True");
            const bool is_false = value.is_bool() ? !value.as_bool()
                                                  : value.is_string() && (value.as_string() == "false" ||
                                                                          value.as_string() == "False");
            if (is_false) continue;
            if (is_true) {
                args.push_back(option_name(key));
                continue;
            }
        }
        args.push_back(option_name(key));
        args.push_back(str_value(value));
        check_no_nul(args.back(), key, source);
    }
    return args;
}

void hydra_overrides(const std::string& key, const std::string& json_key, const Value& value,
                     const ArgumentStyle& style, const ArgumentSource& source,
                     std::vector<std::string>& out) {
    if (!hydra_key(key)) {
        throw ConfigError(source.file, detail::json_path_key(source.path_prefix, json_key),
                          "Hydra cannot take '" + key +
                              "' as an override key: expected names such as lr, trainer.max_epochs or "
                              "model/encoder");
    }
    // A dict sets its keys one by one, as nested keys, so the rest of the config group stays.
    if (value.is_dict() && !value.as_dict().empty()) {
        for (const Item* item : sorted_items(value.as_dict()))
            hydra_overrides(key + "." + item->first, json_key, item->second, style, source, out);
        return;
    }
    std::string text;
    try {
        text = hydra_value(value);
    } catch (const std::invalid_argument& e) {
        throw ConfigError(source.file, detail::json_path_key(source.path_prefix, json_key),
                          std::string("Hydra cannot express this value: ") + e.what());
    }
    out.push_back(style.hydra_prefix + key + "=" + text);
    check_no_nul(out.back(), json_key, source);
}

std::vector<std::string> template_args(const Value::Dict& hps, const ArgumentStyle& style,
                                       const ArgumentSource& source) {
    std::vector<std::string> args;
    args.reserve(style.template_words.size());
    for (const std::string& word : style.template_words) {
        std::string arg;
        for (std::size_t i = 0; i < word.size(); ++i) {
            const char c = word[i];
            if ((c == '{' || c == '}') && i + 1 < word.size() && word[i + 1] == c) {
                arg += c;
                ++i;
            } else if (c == '{') {
                const std::size_t close = word.find('}', i);  // parse() saw it there
                const std::string name = word.substr(i + 1, close - i - 1);
                auto it = std::find_if(hps.begin(), hps.end(),
                                       [&](const Item& item) { return item.first == name; });
                if (it == hps.end()) {
                    throw ConfigError(style.setting, "",
                                      "the template names {" + name + "}, which is not a hyperparameter");
                }
                const std::string value = str_value(it->second);
                check_no_nul(value, name, source);
                arg += value;
                i = close;
            } else {
                arg += c;
            }
        }
        args.push_back(std::move(arg));
    }
    return args;
}

// The words of a template: a JSON array of strings, or the text split at blanks.
std::vector<std::string> split_template(std::string_view text, std::string_view setting) {
    std::vector<std::string> words;
    if (!text.empty() && text.front() == '[') {
        Value parsed;
        try {
            parsed = parse_json(text);
        } catch (const JsonSyntaxError& e) {
            throw ConfigError(std::string(setting), "", std::string("a template array: ") + e.what());
        }
        if (!parsed.is_list()) throw ConfigError(std::string(setting), "", "expected an array of strings");
        for (const Value& word : parsed.as_list()) {
            if (!word.is_string()) {
                throw ConfigError(
                    std::string(setting), "",
                    std::string("expected an array of strings, found a ") + word.json_type_name());
            }
            words.push_back(word.as_string());
        }
    } else {
        std::size_t i = 0;
        auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
        while (i < text.size()) {
            while (i < text.size() && blank(text[i])) ++i;
            const std::size_t start = i;
            while (i < text.size() && !blank(text[i])) ++i;
            if (i > start) words.emplace_back(text.substr(start, i - start));
        }
    }
    if (words.empty()) throw ConfigError(std::string(setting), "", "the template is empty");
    for (const std::string& word : words) {
        for (std::size_t i = 0; i < word.size(); ++i) {
            const char c = word[i];
            if ((c == '{' || c == '}') && i + 1 < word.size() && word[i + 1] == c) {
                ++i;
            } else if (c == '}') {
                throw ConfigError(std::string(setting), "",
                                  "'" + word + "': a '}' without its '{' (write '}}' for a brace)");
            } else if (c == '{') {
                const std::size_t close = word.find_first_of("{}", i + 1);
                if (close == std::string::npos || word[close] != '}') {
                    throw ConfigError(std::string(setting), "",
                                      "'" + word + "': a '{' without its '}' (write '{{' for a brace)");
                }
                if (close == i + 1) {
                    throw ConfigError(std::string(setting), "",
                                      "'" + word + "': an empty placeholder {}; name a hyperparameter");
                }
                i = close;
            }
        }
    }
    return words;
}

}  // namespace

ArgumentStyle ArgumentStyle::parse(std::string_view text, std::string_view setting) {
    ArgumentStyle style;
    style.setting = std::string(setting);
    if (text.empty() || text == "argparse") return style;
    if (text == "flags") {
        style.kind = Kind::Flags;
    } else if (text == "hydra" || text == "hydra+" || text == "hydra++") {
        style.kind = Kind::Hydra;
        style.hydra_prefix = std::string(text.substr(5));
    } else if (text.front() == '[' || text.find_first_of("{ \t\n\r") != std::string_view::npos) {
        style.kind = Kind::Template;
        style.template_words = split_template(text, setting);
    } else {
        throw ConfigError(std::string(setting), "",
                          "expected argparse, hydra, hydra+, hydra++, flags or a command template such as "
                          "'train.py --lr {lr}', got '" +
                              std::string(text) + "'");
    }
    return style;
}

std::string ArgumentStyle::name() const {
    switch (kind) {
        case Kind::Argparse:
            return "argparse";
        case Kind::Hydra:
            return "hydra" + hydra_prefix;
        case Kind::Flags:
            return "flags";
        case Kind::Template:
            return "template";
    }
    return "argparse";
}

std::string hydra_value(const Value& value) {
    switch (value.kind()) {
        case Value::Kind::Null:
            return "null";
        case Value::Kind::Bool:
            return value.as_bool() ? "true" : "false";
        case Value::Kind::Int:
        case Value::Kind::Float:
            return python_str(value);  // 3, 0.1, 1e-05, inf, nan: Hydra's INT and FLOAT
        case Value::Kind::String:
            return hydra_bare_string(value.as_string()) ? value.as_string() : hydra_quoted(value.as_string());
        case Value::Kind::List: {
            std::string out = "[";
            for (const Value& item : value.as_list()) {
                if (out.size() > 1) out += ',';
                out += hydra_value(item);
            }
            return out + "]";
        }
        case Value::Kind::Dict: {
            std::string out = "{";
            for (const auto& [key, item] : value.as_dict()) {
                if (!hydra_id(key)) {
                    throw std::invalid_argument("the dict key '" + key +
                                                "' is not a plain name (letters, digits, _ and -)");
                }
                if (out.size() > 1) out += ',';
                out += key + ":" + hydra_value(item);
            }
            return out + "}";
        }
    }
    return "null";
}

std::vector<std::string> render_arguments(const Value& hyperparameters, const ArgumentStyle& style,
                                          const ArgumentSource& source) {
    static const Value::Dict none;
    const Value::Dict& hps = hyperparameters.is_dict() ? hyperparameters.as_dict() : none;
    switch (style.kind) {
        case ArgumentStyle::Kind::Argparse:
            return argparse_args(hps, false, source);
        case ArgumentStyle::Kind::Flags:
            return argparse_args(hps, true, source);
        case ArgumentStyle::Kind::Hydra: {
            std::vector<std::string> args;
            for (const Item* item : sorted_items(hps))
                hydra_overrides(item->first, item->first, item->second, style, source, args);
            return args;
        }
        case ArgumentStyle::Kind::Template:
            return template_args(hps, style, source);
    }
    return {};
}

}  // namespace smtrain
