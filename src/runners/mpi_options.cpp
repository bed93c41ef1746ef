// SPDX-License-Identifier: Apache-2.0
#include "runners/mpi_options.hpp"

#include <smtrain/error.hpp>

#include <algorithm>

namespace smtrain::runners {

namespace {
// shlex's whitespace: exactly these four.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

std::vector<std::string> shell_split(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;  // a word has started, even if it is still empty ('' is a word)
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (is_blank(c)) {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (c == '\'') {
            const auto end = text.find('\'', i + 1);
            if (end == std::string_view::npos) throw Error("No closing quotation", ExitCode::BadConfig);
            word.append(text.substr(i + 1, end - i - 1));
            i = end;
            in_word = true;
        } else if (c == '"') {
            std::size_t j = i + 1;
            for (;; ++j) {
                if (j >= text.size()) throw Error("No closing quotation", ExitCode::BadConfig);
                if (text[j] == '"') break;
                // Inside double quotes a backslash escapes only " and itself, as in shlex.
                if (text[j] == '\\' && j + 1 < text.size() && (text[j + 1] == '"' || text[j + 1] == '\\'))
                    ++j;
                word.push_back(text[j]);
            }
            i = j;
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= text.size()) throw Error("No escaped character", ExitCode::BadConfig);
            word.push_back(text[++i]);
            in_word = true;
        } else {
            word.push_back(c);
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

namespace {
constexpr std::string_view kNcclDebug = "--NCCL_DEBUG";

// argparse takes a word starting with '-' as an option, unless it looks like a
// negative number and the parser has no option that does.
// argparse's negative-number pattern, `^-\d+$|^-\d*\.\d+$`, where `$` also
// matches before one trailing newline (Python's re).
bool is_negative_number(std::string_view word) {
    if (word.size() < 2 || word[0] != '-') return false;
    std::string_view rest = word.substr(1);
    if (rest.ends_with('\n')) rest.remove_suffix(1);
    auto all_digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    std::size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return !rest.empty() && all_digits(rest);
    std::string_view fraction = rest.substr(dot + 1);
    return all_digits(rest.substr(0, dot)) && !fraction.empty() && all_digits(fraction);
}

bool looks_like_option(const std::string& word) {
    return word.size() > 1 && word[0] == '-' && !is_negative_number(word);
}

// `--NCCL_DEBUG` or an abbreviation of it ("--N", "--NCCL_DEB"), as argparse allows.
bool names_nccl_debug(std::string_view option) {
    return option.size() > 2 && option.substr(0, 2) == "--" && kNcclDebug.substr(0, option.size()) == option;
}
}  // namespace

CustomMpiOptions parse_custom_mpi_options(std::string_view text, std::string_view what) {
    std::vector<std::string> words;
    try {
        words = shell_split(text);
    } catch (const Error& e) {
        throw Error(std::string(what) + ": " + e.what() + " in " + std::string(text), ExitCode::BadConfig);
    }
    CustomMpiOptions options;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& word = words[i];
        if (word == "--") {  // argparse stops parsing here and keeps the rest, "--" included
            options.additional.insert(options.additional.end(),
                                      words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
            break;
        }
        const auto eq = word.find('=');
        if (word.starts_with("--") && eq != std::string::npos &&
            names_nccl_debug(std::string_view(word).substr(0, eq))) {
            options.nccl_debug = word.substr(eq + 1);
        } else if (names_nccl_debug(word)) {
            if (i + 1 >= words.size() || looks_like_option(words[i + 1])) {
                throw Error(std::string(what) + ": argument --NCCL_DEBUG: expected one argument",
                            ExitCode::BadConfig);
            }
            options.nccl_debug = words[++i];
        } else {
            options.additional.push_back(word);
        }
    }
    return options;
}

}  // namespace smtrain::runners
