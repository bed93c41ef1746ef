// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// libcurl, linked in.
///
/// The release sm-train is fully static: libcurl, OpenSSL and their
/// dependencies are part of the binary (cmake/SmtrainStaticCurl.cmake), so an
/// image needs no libcurl for s3://. The entry points the S3 client uses are
/// gathered in CurlApi so that every handle gets the same defaults: only
/// http and https, and the CA bundle found in the image (ca_bundle.hpp).
///
/// Errors (the S3 layer's convention): smtrain::Error when libcurl cannot be
/// initialised or a handle cannot be made; transfer failures are in the
/// response (http.hpp), never thrown here.

#include <curl/curl.h>

#include <string>

namespace smtrain::s3 {

/// The curl entry points the S3 client uses. easy_init and easy_reset also
/// apply sm-train's defaults to the handle (protocols, CA bundle), so a reset
/// handle is as safe as a new one.
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

    /// The process-wide instance. On first use: OpenSSL is initialised
    /// without reading the image's openssl.cnf, curl_global_init runs, and
    /// the CA bundle is chosen (find_ca_bundle). Throws smtrain::Error with
    /// find_ca_bundle's line when there is no bundle, "libcurl:
    /// curl_global_init failed" when curl cannot start; a failed first use
    /// throws again on the next call.
    static const CurlApi& get();

    /// The CA bundle every handle verifies peers with (after get()).
    static const std::string& ca_bundle();
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
