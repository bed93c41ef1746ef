// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// libcurl, loaded at run time.
///
/// sm-train is static but for the C library, and Debian's libcurl cannot be
/// linked statically (its Kerberos dependency has no static library). So the
/// handful of curl functions the S3 client needs are looked up with dlopen and
/// dlsym; <curl/curl.h> provides types and constants only. An image without
/// libcurl works until something asks for s3://, which then fails with one line.

#include <curl/curl.h>

#include <string>

namespace smtrain::s3 {

/// The curl entry points the S3 client uses, resolved from one shared library.
struct CurlApi {
    CURL* (*easy_init)();
    void (*easy_cleanup)(CURL*);
    void (*easy_reset)(CURL*);
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    CURLcode (*easy_perform)(CURL*);
    const char* (*easy_strerror)(CURLcode);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);

    /// The process-wide instance, loading "libcurl.so.4" (and running
    /// curl_global_init) on first use. Throws smtrain::Error
    /// ("s3:// needs libcurl: install libcurl4 in the image") when it cannot.
    static const CurlApi& get();

    /// Loads `soname` into a fresh instance (for tests of the failure path).
    static CurlApi load(const std::string& soname);
};

/// A curl_slist that frees itself.
class CurlHeaders {
public:
    explicit CurlHeaders(const CurlApi& api) : api_(api) {}
    CurlHeaders(const CurlHeaders&) = delete;
    CurlHeaders& operator=(const CurlHeaders&) = delete;
    ~CurlHeaders() {
        if (list_) api_.slist_free_all(list_);
    }
    void add(const std::string& line);
    curl_slist* get() const { return list_; }

private:
    const CurlApi& api_;
    curl_slist* list_ = nullptr;
};

}  // namespace smtrain::s3
