// SPDX-License-Identifier: Apache-2.0
#include "lib/config_files.hpp"

#include "lib/json.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace smtrain::detail {

namespace {

bool is_identifier(std::string_view key) {
    if (key.empty()) return false;
    for (std::size_t i = 0; i < key.size(); ++i) {
        const char c = key[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) return false;
    }
    return true;
}

// Python reads the file in text mode, so every "\r\n" and lone "\r" reaches the
// parser as "\n"; translating here keeps the line/column of syntax errors identical.
std::string universal_newlines(std::string text) {
    if (text.find('\r') == std::string::npos) return text;
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += '\n';
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

bool only_whitespace(std::string_view text) {
    return text.find_first_not_of(" \t\n\r") == std::string_view::npos;
}

}  // namespace

std::string quote_name(std::string_view text) { return dump_json(Value(text)); }

std::string json_path_key(std::string_view parent, std::string_view key) {
    std::string path(parent);
    if (is_identifier(key)) {
        path += '.';
        path += key;
    } else {
        path += '[';
        path += quote_name(key);
        path += ']';
    }
    return path;
}

std::string json_path_index(std::string_view parent, std::size_t index) {
    std::string path(parent);
    path += '[';
    path += std::to_string(index);
    path += ']';
    return path;
}

namespace {

// The whole file, or a one-line reason it cannot be read. Only regular files are
// read (opened non-blocking), so a FIFO or a directory in its place cannot hang us.
std::string read_regular_file(const std::filesystem::path& path, const std::string& file) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int error = errno;
        throw ConfigError(file, "", "cannot read " + path.string() + ": " + std::strerror(error));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw ConfigError(file, "", "cannot read " + path.string() + ": not a regular file");
    }
    // Read into the string itself, sized by fstat (plus a byte to see the end
    // in the same read): a 64 KiB buffer on the stack made the process touch a
    // stack page 64 KiB down that nothing else needs (a fresh page costs more
    // than the read on a VM), and copied each file once more. A file that grows
    // while we read is read to its end all the same.
    std::string text;
    std::size_t size = 0;
    text.resize(static_cast<std::size_t>(st.st_size) + 1);
    for (;;) {
        if (size == text.size()) text.resize(text.size() * 2);
        const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
        if (n > 0) {
            size += static_cast<std::size_t>(n);
        } else if (n == 0) {
            text.resize(size);
            break;
        } else if (errno != EINTR) {
            const int error = errno;
            ::close(fd);
            throw ConfigError(file, "", "cannot read " + path.string() + ": " + std::strerror(error));
        }
    }
    ::close(fd);
    return text;
}

}  // namespace

Value read_json_file(const std::filesystem::path& path) {
    const std::string file = path.filename().string();
    std::string text = universal_newlines(read_regular_file(path, file));
    if (only_whitespace(text)) throw ConfigError(file, "", "file is empty: " + path.string());
    try {
        return parse_json(text, max_json_depth);
    } catch (const JsonSyntaxError& e) {
        throw ConfigError(file, "", std::string("invalid JSON: ") + e.what());
    }
}

void Checker::fail(std::string json_path, std::string detail) const {
    throw ConfigError(file_, std::move(json_path), std::move(detail));
}

void Checker::wrong_type(std::string json_path, std::string_view what, const Value& v) const {
    std::string detail = "expected ";
    detail += what;
    detail += ", got ";
    detail += v.json_type_name();
    fail(std::move(json_path), std::move(detail));
}

const Value::Dict& Checker::object(const Value& v, const std::string& path) const {
    if (!v.is_dict()) wrong_type(path, "object", v);
    return v.as_dict();
}

const Value::List& Checker::array(const Value& v, const std::string& path) const {
    if (!v.is_list()) wrong_type(path, "array", v);
    return v.as_list();
}

const std::string& Checker::string(const Value& v, const std::string& path) const {
    if (!v.is_string()) wrong_type(path, "string", v);
    return v.as_string();
}

std::vector<std::string> Checker::string_list(const Value& v, const std::string& path) const {
    const Value::List& items = array(v, path);
    std::vector<std::string> out;
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) out.push_back(string(items[i], json_path_index(path, i)));
    return out;
}

const Value& Checker::required(const Value::Dict& d, std::string_view key, const std::string& parent) const {
    for (const auto& [k, v] : d) {
        if (k == key) return v;
    }
    fail(json_path_key(parent, key), "required key is missing");
}

}  // namespace smtrain::detail
