// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// A small S3 client: download an object to a file, upload a file (multipart
/// above a threshold), create a bucket. Requests are signed by libcurl's own
/// SigV4; failures that S3 or the network may recover from are retried with
/// jittered exponential back-off, and everything else is an smtrain::Error
/// naming the bucket, the key and the HTTP status.
///
/// Errors (the S3 layer's convention): every failure is one smtrain::Error
/// line naming the bucket, the key and the HTTP status or curl error, thrown
/// once the retries are spent; a cancel (the stop flag) throws "... cancelled"
/// at the next retry or transfer chunk. Nothing returns an error code.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "s3/credentials.hpp"
#include "s3/http.hpp"
#include "s3/s3_url.hpp"

namespace smtrain::s3 {

struct RetryPolicy {
    int max_attempts = 8;
    /// The n-th retry waits a uniformly random time in [0, min(max_delay, base_delay * 2^n)]
    /// ("full jitter"), so many clients do not retry in lock-step.
    std::chrono::milliseconds base_delay{200};
    std::chrono::milliseconds max_delay{10'000};
};

struct ClientConfig {
    std::string region = "us-east-1";
    /// S3_ENDPOINT_URL: when set, requests go to <endpoint>/<bucket>/<key>
    /// (path-style), as boto3 does with endpoint_url; otherwise to AWS.
    std::string endpoint_url;
    std::shared_ptr<CredentialProvider> credentials;
    RetryPolicy retry;
    std::uint64_t multipart_threshold = 8ull << 20;  ///< files larger than this go multipart
    std::uint64_t part_size = 8ull << 20;            ///< grown when a file would need > 10,000 parts
    /// Requests in flight together through one client (files, parts, GETs),
    /// each on a reused connection: default 10 as aws-cli's
    /// max_concurrent_requests (sm-train sets SMTRAIN_S3_MAX_CONCURRENCY here
    /// from its settings). Also the parts of one file uploaded in parallel.
    unsigned max_concurrency = 10;
    /// The connections, shared by every client made from this config (made
    /// by the first S3Client when empty).
    std::shared_ptr<HttpClientPool> http_pool;
    /// When set and true, requests stop: a transfer in flight is aborted, no
    /// retry starts, and the call throws smtrain::Error ("... cancelled").
    std::shared_ptr<const std::atomic<bool>> cancel;

    /// Region (see resolve_region), S3_ENDPOINT_URL and credentials from `env`,
    /// the AWS SDKs' variables; the rest keeps its defaults. No error of its own.
    static ClientConfig from_environment(const Environ& env = current_environ(),
                                         const std::string& sagemaker_region_hyperparameter = "");
};

class S3Client {
public:
    explicit S3Client(ClientConfig config);

    /// Writes the object to `dest` (replaced). Throws smtrain::Error.
    void download(const S3Url& src, const std::filesystem::path& dest) const;

    /// Called with the number of body bytes just stored (a whole object, or
    /// one part), from the thread that sent them.
    using SentFn = std::function<void(std::uint64_t)>;

    /// Uploads `src` to the object `dest`; multipart above the threshold, its
    /// parts in parallel (up to max_concurrency). Throws smtrain::Error.
    void upload(const std::filesystem::path& src, const S3Url& dest, const SentFn& sent = {}) const;
    /// What a ranged GET learnt about the object.
    struct RangeAnswer {
        std::uint64_t object_size = 0;  ///< from Content-Range
        std::string etag;
    };
    /// Bytes [first, last] of `src`, handed to `sink` as they arrive (a retried
    /// attempt starts again at offset 0; a sink returning false fails the GET).
    /// With a non-empty `if_match` the object must still have that ETag (S3
    /// answers 412, which is not retried): parts of one download all come from
    /// one version of the object. `action` names the request in errors.
    /// Throws smtrain::Error, also when the answer is not the range asked for
    /// (an empty object answers 416).
    RangeAnswer download_range(
        const S3Url& src, std::uint64_t first, std::uint64_t last, const std::string& if_match,
        const std::string& action,
        const std::function<bool(std::uint64_t, const char*, std::size_t)>& sink) const;

    /// Creates a bucket in the configured region (tests, benchmarks).
    void create_bucket(const std::string& bucket) const;

    const ClientConfig& config() const { return config_; }

private:
    std::string object_url(const S3Url& target) const;
    /// Performs `request` for `target`, retrying per the policy; `action` names
    /// it in errors ("GET", "PUT part 3"...). A download's `response_fd` is
    /// truncated before each attempt. Cancel::Ignored is for the clean-up after
    /// a cancel: ClientConfig::cancel is not looked at, and one attempt is made.
    enum class Cancel { Honoured, Ignored };
    HttpResponse send(HttpRequest request, const S3Url& target, const std::string& action,
                      Cancel cancel = Cancel::Honoured) const;
    void upload_single(int fd, std::uint64_t size, const S3Url& dest) const;
    void upload_multipart(int fd, std::uint64_t size, const S3Url& dest, const SentFn& sent) const;

    ClientConfig config_;
};

}  // namespace smtrain::s3
