// SPDX-License-Identifier: Apache-2.0
#include "s3/curl_api.hpp"

#include <openssl/ssl.h>

#include <smtrain/error.hpp>
#include "s3/ca_bundle.hpp"
#include "s3/credentials.hpp"

namespace smtrain::s3 {
namespace {

/// Set once by get(), before any handle exists; read-only afterwards.
std::string g_ca_bundle;

// sm-train only speaks HTTP(S); the other protocols compiled into libcurl
// (and the stand-ins for GSS-API, LDAP and RTMP in curl_stubs/) stay out of
// reach, also through redirects.
bool apply_defaults(CURL* handle) {
    return curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
           curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK &&
           curl_easy_setopt(handle, CURLOPT_CAINFO, g_ca_bundle.c_str()) == CURLE_OK &&
           // Only the bundle: a distribution's certificate directory may hold other trust.
           curl_easy_setopt(handle, CURLOPT_CAPATH, static_cast<const char*>(nullptr)) == CURLE_OK;
}

// A handle without the defaults is no handle: the caller reports
// "curl_easy_init failed".
CURL* init_with_defaults() {
    CURL* handle = curl_easy_init();
    if (handle && !apply_defaults(handle)) {
        curl_easy_cleanup(handle);
        return nullptr;
    }
    return handle;
}

// The same options that succeeded on this handle at init cannot fail now.
void reset_with_defaults(CURL* handle) {
    curl_easy_reset(handle);
    apply_defaults(handle);
}

CurlApi load() {
    // Before curl's own OpenSSL init, which would read the image's
    // openssl.cnf and try to load the providers it names (built for another
    // OpenSSL). The first init decides: later LOAD_CONFIG requests are no-ops.
    if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) != 1)
        throw Error("libcurl: OpenSSL init failed");
    g_ca_bundle = find_ca_bundle(current_environ());
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("libcurl: curl_global_init failed");
    return CurlApi{
        .easy_init = &init_with_defaults,
        .easy_cleanup = &curl_easy_cleanup,
        .easy_reset = &reset_with_defaults,
        .easy_setopt = &curl_easy_setopt,
        .easy_getinfo = &curl_easy_getinfo,
        .easy_perform = &curl_easy_perform,
        .easy_strerror = &curl_easy_strerror,
        .slist_append = &curl_slist_append,
        .slist_free_all = &curl_slist_free_all,
    };
}

}  // namespace

const CurlApi& CurlApi::get() {
    // A function-local static: initialised once, thread-safe, and a failed
    // load throws again on the next call instead of caching a broken state.
    static const CurlApi api = load();
    return api;
}

const std::string& CurlApi::ca_bundle() { return g_ca_bundle; }

void CurlHeaders::add(const std::string& line) {
    curl_slist* grown = api_.slist_append(list_, line.c_str());
    if (!grown) throw Error("libcurl: out of memory building request headers");
    list_ = grown;
}

}  // namespace smtrain::s3
