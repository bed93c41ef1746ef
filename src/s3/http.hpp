// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// One HTTP exchange over a reusable curl handle: enough for S3 and the
/// credential endpoints, nothing more. Retries are the caller's business.

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "curl_api.hpp"

namespace smtrain::s3 {

struct Credentials;

struct HttpRequest {
    std::string method = "GET";  ///< GET, PUT, POST or DELETE
    std::string url;
    std::vector<std::string> headers;  ///< "Name: value"

    /// The body: `body` in memory, or `body_size` bytes of `body_fd` from `body_offset`.
    std::string body;
    int body_fd = -1;
    off_t body_offset = 0;
    std::uint64_t body_size = 0;

    /// When set, a 2xx response body goes to this descriptor (from its current
    /// offset) instead of HttpResponse::body.
    int response_fd = -1;
    /// When set (and response_fd is not), a 2xx response body is handed here as
    /// it arrives: `offset` counts from 0 in each exchange, so a retried request
    /// starts over. Returning false aborts the exchange (CURLE_WRITE_ERROR).
    std::function<bool(std::uint64_t offset, const char* data, std::size_t size)> response_sink;

    /// SigV4-sign for `service` in this region with these credentials.
    const Credentials* credentials = nullptr;
    std::string region;
    std::string service = "s3";

    long connect_timeout_ms = 10'000;
    long total_timeout_ms = 0;   ///< 0: none; stalls are caught by the speed limit below
    long low_speed_time_s = 60;  ///< abort when under 1 byte/s for this long

    /// When set and true, the exchange is aborted (CURLE_ABORTED_BY_CALLBACK)
    /// within about a second: how a bounded wait stops an upload in flight.
    const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
    long status = 0;  ///< 0 when no HTTP response arrived
    CURLcode curl_code = CURLE_OK;
    std::string curl_error;                      ///< set when curl_code != CURLE_OK
    std::string body;                            ///< error bodies always land here
    std::map<std::string, std::string> headers;  ///< names lower-cased; last one wins

    bool transport_ok() const { return curl_code == CURLE_OK; }
    bool ok() const { return transport_ok() && status >= 200 && status < 300; }
};

/// A curl easy handle kept for connection reuse. One per thread.
class HttpClient {
public:
    HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    ~HttpClient();

    HttpResponse perform(const HttpRequest& request);

private:
    const CurlApi& api_;
    CURL* handle_;
};

}  // namespace smtrain::s3
