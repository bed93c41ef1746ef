// SPDX-License-Identifier: Apache-2.0
#include "s3/s3_url.hpp"

#include <smtrain/error.hpp>

namespace smtrain::s3 {

S3Url S3Url::parse(std::string_view url) {
    const auto scheme_end = url.find("://");
    const std::string_view scheme = scheme_end == std::string_view::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "s3") {
        throw Error("expected an s3:// URL, got '" + std::string(url) + "'");
    }
    std::string_view rest = url.substr(scheme_end + 3);
    const auto slash = rest.find('/');
    S3Url parsed;
    parsed.bucket = std::string(rest.substr(0, slash));
    if (slash != std::string_view::npos) {
        std::string_view key = rest.substr(slash);
        while (!key.empty() && key.front() == '/') key.remove_prefix(1);
        parsed.key = std::string(key);
    }
    if (parsed.bucket.empty()) throw Error("s3 URL without a bucket: '" + std::string(url) + "'");
    return parsed;
}

std::string join_key(std::string_view base, std::string_view part) {
    if (base.empty()) return std::string(part);
    std::string joined(base);
    if (joined.back() != '/') joined += '/';
    joined += part;
    return joined;
}

namespace {

std::string percent_encode(std::string_view text, bool keep_slash) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
                                u == '-' || u == '_' || u == '.' || u == '~';
        if (unreserved || (keep_slash && u == '/')) {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
    return out;
}

}  // namespace

std::string encode_key(std::string_view key) { return percent_encode(key, true); }
std::string encode_query_value(std::string_view value) { return percent_encode(value, false); }

}  // namespace smtrain::s3
