// SPDX-License-Identifier: Apache-2.0
#include "s3/ca_bundle.hpp"

#include <initializer_list>
#include <system_error>

#include <smtrain/error.hpp>

namespace smtrain::s3 {
namespace {

bool is_file(const std::filesystem::path& path) {
    std::error_code ec;
    return std::filesystem::is_regular_file(path, ec);  // follows symlinks, as OpenSSL does
}

}  // namespace

std::string find_ca_bundle(const Environ& env, const std::filesystem::path& root) {
    for (const char* variable : {"AWS_CA_BUNDLE", "SSL_CERT_FILE"}) {
        const auto value = aws_variable(env, variable);
        if (!value || value->empty()) continue;
        if (!is_file(*value)) throw Error(std::string(variable) + "=" + *value + ": no such file");
        return *value;
    }
    for (const char* path : kCaBundlePaths) {
        // relative_path(): "/" + "/etc/..." would drop the root.
        const std::filesystem::path candidate = root / std::filesystem::path(path).relative_path();
        if (is_file(candidate)) return candidate.string();
    }
    throw Error(
        "no CA certificate bundle for HTTPS: set AWS_CA_BUNDLE or install ca-certificates in the image "
        "(looked in /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt and 4 more)");
}

}  // namespace smtrain::s3
