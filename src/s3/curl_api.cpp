// SPDX-License-Identifier: Apache-2.0
#include "curl_api.hpp"

#include <dlfcn.h>

#include "smtrain/error.hpp"

namespace smtrain::s3 {
namespace {

constexpr const char* kMissingCurl = "s3:// needs libcurl: install libcurl4 in the image";

template <typename Fn>
void resolve(void* lib, const char* name, Fn& out) {
    void* sym = ::dlsym(lib, name);
    if (!sym) throw Error(std::string(kMissingCurl) + " (" + name + " not found)");
    // dlsym returns object pointers; POSIX guarantees this conversion works for functions.
    out = reinterpret_cast<Fn>(sym);
}

}  // namespace

CurlApi CurlApi::load(const std::string& soname) {
    // Never unloaded: curl keeps global state for the life of the process.
    void* lib = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) throw Error(kMissingCurl);
    CurlApi api{};
    CURLcode (*global_init)(long) = nullptr;
    resolve(lib, "curl_global_init", global_init);
    resolve(lib, "curl_easy_init", api.easy_init);
    resolve(lib, "curl_easy_cleanup", api.easy_cleanup);
    resolve(lib, "curl_easy_reset", api.easy_reset);
    resolve(lib, "curl_easy_setopt", api.easy_setopt);
    resolve(lib, "curl_easy_getinfo", api.easy_getinfo);
    resolve(lib, "curl_easy_perform", api.easy_perform);
    resolve(lib, "curl_easy_strerror", api.easy_strerror);
    resolve(lib, "curl_slist_append", api.slist_append);
    resolve(lib, "curl_slist_free_all", api.slist_free_all);
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("libcurl: curl_global_init failed");
    return api;
}

const CurlApi& CurlApi::get() {
    // A function-local static: initialised once, thread-safe, and a failed
    // load throws again on the next call instead of caching a broken state.
    static const CurlApi api = load("libcurl.so.4");
    return api;
}

void CurlHeaders::add(const std::string& line) {
    curl_slist* grown = api_.slist_append(list_, line.c_str());
    if (!grown) throw Error("libcurl: out of memory building request headers");
    list_ = grown;
}

}  // namespace smtrain::s3
