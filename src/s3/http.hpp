// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// One HTTP exchange over a reusable curl handle: enough for S3 and the
/// credential endpoints, nothing more. Retries are the caller's business.
///
/// Errors (the S3 layer's convention, with one difference for this level):
/// transport failures and HTTP errors are values in the Response, for the
/// caller's retry loop to judge; only a handle that cannot be set up throws
/// smtrain::Error.

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "s3/curl_api.hpp"

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

/// A PUT of a file body up to this size is sent without `Expect: 100-continue`
/// (one round trip less): resending so small a body after a rejection costs
/// less than waiting for S3's `100 Continue`. Larger ones keep it, so that a
/// rejected 8 MiB part is not sent in vain. The same bound as curl's own for
/// POST, which is how the header is left out (see perform()).
inline constexpr std::uint64_t kExpectContinueAbove = 1ull << 20;

/// A curl easy handle kept for connection reuse. Used by one thread at a time.
class HttpClient {
public:
    HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    ~HttpClient();

    /// Transport failures and HTTP errors are in the response; throws
    /// smtrain::Error only when curl refuses an option (a libcurl too old).
    HttpResponse perform(const HttpRequest& request);

private:
    const CurlApi& api_;
    CURL* handle_;
};

/// A fixed number of HttpClients shared by threads, one request in flight on
/// each: the pool bounds the requests in flight together, and each client
/// keeps its connection for the next request, whichever thread makes it (files
/// and multipart parts alike). Clients are made when first needed.
class HttpClientPool {
public:
    explicit HttpClientPool(unsigned size);
    HttpClientPool(const HttpClientPool&) = delete;
    HttpClientPool& operator=(const HttpClientPool&) = delete;

    /// A client taken from the pool, given back when this goes.
    class Lease {
    public:
        Lease(HttpClientPool& pool, std::unique_ptr<HttpClient> client)
            : pool_(&pool), client_(std::move(client)) {}
        Lease(Lease&&) = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        HttpClient& operator*() const { return *client_; }
        HttpClient* operator->() const { return client_.get(); }

    private:
        HttpClientPool* pool_;
        std::unique_ptr<HttpClient> client_;
    };

    /// Waits for a free client. nullopt when `cancel` (may be null) turns true
    /// first; it is looked at every 50 ms. Throws smtrain::Error when a new
    /// client cannot be made (no libcurl).
    std::optional<Lease> acquire(const std::atomic<bool>* cancel);

    unsigned size() const { return size_; }

private:
    void give_back(std::unique_ptr<HttpClient> client);

    const unsigned size_;
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<HttpClient>> idle_;
    unsigned made_ = 0;  ///< clients made so far, idle or leased
};

}  // namespace smtrain::s3
