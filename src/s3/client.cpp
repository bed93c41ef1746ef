// SPDX-License-Identifier: Apache-2.0
#include "s3/client.hpp"

#include "s3/transfer_counters.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <smtrain/error.hpp>
#include "lib/unique_fd.hpp"

namespace smtrain::s3 {
namespace {

constexpr std::uint64_t kMaxParts = 10'000;

std::string xml_element(const std::string& xml, const std::string& name) {
    const std::string open = "<" + name + ">", close = "</" + name + ">";
    const auto start = xml.find(open);
    if (start == std::string::npos) return "";
    const auto end = xml.find(close, start);
    if (end == std::string::npos) return "";
    return xml.substr(start + open.size(), end - start - open.size());
}

bool is_retryable(const HttpResponse& r, const std::string& code) {
    if (!r.transport_ok()) {
        // A full local disk is not the network's fault.
        return r.curl_code != CURLE_WRITE_ERROR && r.curl_code != CURLE_READ_ERROR &&
               r.curl_code != CURLE_ABORTED_BY_CALLBACK && r.curl_code != CURLE_URL_MALFORMAT &&
               r.curl_code != CURLE_UNSUPPORTED_PROTOCOL;
    }
    if (r.status >= 500 || r.status == 429) return true;
    return code == "SlowDown" || code == "Throttling" || code == "ThrottlingException" ||
           code == "RequestTimeout" || code == "RequestTimeTooSkewed" || code == "InternalError" ||
           code == "ExpiredToken" || code == "TokenRefreshRequired";
}

// Jitter only needs distinct seeds per thread and process. Not std::random_device:
// in a static libstdc++ it calls arc4random, which would raise sm-train's glibc
// floor to 2.36 (Ubuntu 22.04 images have 2.35).
std::uint64_t jitter_seed() {
    std::uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof seed)) {
        seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
               (static_cast<std::uint64_t>(getpid()) << 32);
    }
    return seed;
}

std::chrono::milliseconds backoff(const RetryPolicy& policy, int retry) {
    thread_local std::mt19937_64 rng{jitter_seed()};
    const auto cap =
        std::min<std::int64_t>(policy.max_delay.count(), policy.base_delay.count() << std::min(retry, 20));
    std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(cap, 0));
    return std::chrono::milliseconds(pick(rng));
}

std::string describe_failure(const HttpResponse& r, const std::string& code) {
    if (!r.transport_ok()) return r.curl_error;
    std::string text = "HTTP " + std::to_string(r.status);
    if (!code.empty()) text += " " + code;
    const std::string message = xml_element(r.body, "Message");
    if (!message.empty()) text += ": " + message;
    return text;
}

detail::UniqueFd open_or_throw(const std::filesystem::path& path, int flags, const std::string& what) {
    detail::UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
    if (!fd.valid()) throw Error(path.string() + ": cannot " + what + ": " + std::strerror(errno));
    return fd;
}

}  // namespace

ClientConfig ClientConfig::from_environment(const Environ& env,
                                            const std::string& sagemaker_region_hyperparameter) {
    ClientConfig config;
    config.region = resolve_region(env, sagemaker_region_hyperparameter);
    if (auto endpoint = aws_variable(env, "S3_ENDPOINT_URL")) config.endpoint_url = *endpoint;
    config.credentials = std::make_shared<CredentialProvider>(env);
    return config;
}

S3Client::S3Client(ClientConfig config) : config_(std::move(config)) {
    if (!config_.credentials) config_.credentials = std::make_shared<CredentialProvider>();
    while (!config_.endpoint_url.empty() && config_.endpoint_url.back() == '/')
        config_.endpoint_url.pop_back();
    config_.part_size = std::max<std::uint64_t>(config_.part_size, 5ull << 20);  // S3's minimum part
    config_.max_concurrency = std::max(1u, config_.max_concurrency);
    if (!config_.http_pool) config_.http_pool = std::make_shared<HttpClientPool>(config_.max_concurrency);
    config_.retry.max_attempts = std::max(1, config_.retry.max_attempts);
}

std::string S3Client::object_url(const S3Url& target) const {
    const std::string path = target.key.empty() ? "" : encode_key(target.key);
    if (!config_.endpoint_url.empty()) return config_.endpoint_url + "/" + target.bucket + "/" + path;
    const std::string domain = config_.region.rfind("cn-", 0) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
    const std::string host = "s3." + config_.region + "." + domain;
    // A dotted bucket name would not match the wildcard certificate: path-style then.
    if (target.bucket.find('.') != std::string::npos)
        return "https://" + host + "/" + target.bucket + "/" + path;
    return "https://" + target.bucket + "." + host + "/" + path;
}

HttpResponse S3Client::send(HttpRequest request, const S3Url& target, const std::string& action,
                            Cancel cancel) const {
    request.region = config_.region;
    const bool honour_cancel = cancel == Cancel::Honoured && config_.cancel;
    request.cancel = honour_cancel ? config_.cancel.get() : nullptr;
    const auto cancelled = [&] { return honour_cancel && config_.cancel->load(); };
    // A clean-up after a cancel is tried once: whoever cancelled is waiting.
    const int max_attempts = cancel == Cancel::Ignored ? 1 : config_.retry.max_attempts;
    const auto throw_cancelled = [&] { throw Error(target.str() + ": " + action + " cancelled"); };
    HttpResponse response;
    std::string code;
    for (int attempt = 1;; ++attempt) {
        if (cancelled()) throw_cancelled();
        if (request.response_fd >= 0) {
            if (::ftruncate(request.response_fd, 0) != 0 || ::lseek(request.response_fd, 0, SEEK_SET) != 0) {
                throw Error(target.str() + ": " + action +
                            ": cannot reset the local file: " + std::strerror(errno));
            }
        }
        const Credentials creds = config_.credentials->get();
        request.credentials = &creds;
        {
            // A clean-up after a cancel still needs a connection; it waits
            // for one no longer than its own time limit.
            std::optional<HttpClientPool::Lease> http = config_.http_pool->acquire(request.cancel);
            if (!http) throw_cancelled();
            response = (*http)->perform(request);
        }
        if (response.curl_code == CURLE_ABORTED_BY_CALLBACK && cancelled()) throw_cancelled();
        code = xml_element(response.body, "Code");
        // CompleteMultipartUpload may answer 200 with an error document.
        if (response.ok() && response.body.find("<Error>") == std::string::npos) return response;
        if (response.ok()) code = code.empty() ? "InternalError" : code;
        if (code == "ExpiredToken" || code == "TokenRefreshRequired") config_.credentials->invalidate();
        if (!is_retryable(response, code) || attempt >= max_attempts) break;
        // The back-off is slept in slices so that a cancel is seen within 50 ms.
        const auto wake = std::chrono::steady_clock::now() + backoff(config_.retry, attempt - 1);
        while (!cancelled() && std::chrono::steady_clock::now() < wake) {
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                std::chrono::milliseconds(50), wake - std::chrono::steady_clock::now()));
        }
    }
    std::string text = target.str() + ": " + action + " failed: " + describe_failure(response, code);
    if (is_retryable(response, code))
        text += " (gave up after " + std::to_string(max_attempts) + " attempts)";
    throw Error(text);
}

void S3Client::download(const S3Url& src, const std::filesystem::path& dest) const {
    detail::UniqueFd fd = open_or_throw(dest, O_WRONLY | O_CREAT | O_TRUNC, "create the download file");
    HttpRequest request;
    request.url = object_url(src);
    request.response_fd = fd.get();
    send(std::move(request), src, "GET");
    if (::fsync(fd.get()) != 0 && errno != EINVAL) {
        throw Error(dest.string() + ": cannot write the download: " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0)
        transfer_counters().count_download(static_cast<std::uint64_t>(st.st_size));
}

S3Client::RangeAnswer S3Client::download_range(
    const S3Url& src, std::uint64_t first, std::uint64_t last, const std::string& if_match,
    const std::string& action,
    const std::function<bool(std::uint64_t, const char*, std::size_t)>& sink) const {
    HttpRequest request;
    request.url = object_url(src);
    request.headers.push_back("Range: bytes=" + std::to_string(first) + "-" + std::to_string(last));
    if (!if_match.empty()) request.headers.push_back("If-Match: " + if_match);
    request.response_sink = sink;
    HttpResponse response = send(std::move(request), src, action);
    // "bytes <first>-<last>/<size>"
    const std::string& range = response.headers["content-range"];
    unsigned long long got_first = 0, got_last = 0, size = 0;
    if (response.status != 206 ||
        std::sscanf(range.c_str(), "bytes %llu-%llu/%llu", &got_first, &got_last, &size) != 3 ||
        got_first != first || got_last > last || (got_last != last && got_last + 1 != size)) {
        throw Error(src.str() + ": " + action + ": expected bytes " + std::to_string(first) + "-" +
                    std::to_string(last) + ", got HTTP " + std::to_string(response.status) +
                    (range.empty() ? "" : " Content-Range '" + range + "'"));
    }
    return {size, response.headers["etag"]};
}

void S3Client::upload(const std::filesystem::path& src, const S3Url& dest, const SentFn& sent) const {
    detail::UniqueFd fd = open_or_throw(src, O_RDONLY, "open for upload");
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw Error(src.string() + ": cannot stat: " + std::strerror(errno));
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > config_.multipart_threshold) {
        upload_multipart(fd.get(), size, dest, sent);
    } else {
        upload_single(fd.get(), size, dest);
        if (sent) sent(size);
    }
    transfer_counters().count_upload(size);
}

void S3Client::upload_single(int fd, std::uint64_t size, const S3Url& dest) const {
    HttpRequest request;
    request.method = "PUT";
    request.url = object_url(dest);
    request.body_fd = fd;
    request.body_size = size;
    send(std::move(request), dest, "PUT");
}

void S3Client::upload_multipart(int fd, std::uint64_t size, const S3Url& dest, const SentFn& sent) const {
    const std::string url = object_url(dest);
    HttpRequest create;
    create.method = "POST";
    create.url = url + "?uploads=";  // "uploads=" is S3's canonical form of the bare "?uploads"
    const std::string upload_id =
        xml_element(send(std::move(create), dest, "CreateMultipartUpload").body, "UploadId");
    if (upload_id.empty()) throw Error(dest.str() + ": CreateMultipartUpload answered without an UploadId");
    const std::string id_query = "uploadId=" + encode_query_value(upload_id);

    const std::uint64_t part_size = std::max(config_.part_size, (size + kMaxParts - 1) / kMaxParts);
    const std::uint64_t parts = (size + part_size - 1) / part_size;
    std::vector<std::string> etags(parts);
    std::atomic<std::uint64_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
    std::string first_error;

    auto worker = [&] {
        for (std::uint64_t i = next++; i < parts && !failed; i = next++) {
            HttpRequest put;
            put.method = "PUT";
            put.url = url + "?partNumber=" + std::to_string(i + 1) + "&" + id_query;
            put.body_fd = fd;
            put.body_offset = static_cast<off_t>(i * part_size);
            put.body_size = std::min(part_size, size - i * part_size);
            try {
                HttpResponse r = send(std::move(put), dest, "PUT part " + std::to_string(i + 1));
                etags[i] = r.headers["etag"];
                if (etags[i].empty())
                    throw Error(dest.str() + ": part " + std::to_string(i + 1) + ": no ETag");
                if (sent) sent(std::min(part_size, size - i * part_size));
            } catch (const std::exception& e) {
                std::lock_guard lock(error_mutex);
                if (!failed.exchange(true)) first_error = e.what();
            }
        }
    };
    // The pool bounds the requests in flight; these threads only keep it busy.
    const unsigned threads = static_cast<unsigned>(std::min<std::uint64_t>(config_.max_concurrency, parts));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool) t.join();

    auto abort_upload = [&] {
        HttpRequest abort;
        abort.method = "DELETE";
        abort.url = url + "?" + id_query;
        Cancel cancel = Cancel::Honoured;
        if (config_.cancel && config_.cancel->load()) {
            // Cancelled: the parts already sent would stay stored (and billed)
            // until a lifecycle rule removed them, so the abort is still sent,
            // once and briefly, since whoever cancelled is waiting.
            cancel = Cancel::Ignored;
            abort.connect_timeout_ms = 2'000;
            abort.total_timeout_ms = 5'000;
        }
        try {
            send(std::move(abort), dest, "AbortMultipartUpload", cancel);
        } catch (const Error&) {
            // The parts stay billed until a lifecycle rule removes them; the
            // upload error below is what the user needs to see.
        }
    };
    if (failed) {
        abort_upload();
        throw Error(first_error);
    }

    std::string body = "<CompleteMultipartUpload>";
    for (std::uint64_t i = 0; i < parts; ++i) {
        body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] +
                "</ETag></Part>";
    }
    body += "</CompleteMultipartUpload>";
    HttpRequest complete;
    complete.method = "POST";
    complete.url = url + "?" + id_query;
    complete.body = std::move(body);
    complete.headers = {"Content-Type: application/xml"};
    try {
        send(std::move(complete), dest, "CompleteMultipartUpload");
    } catch (const Error&) {
        abort_upload();
        throw;
    }
}

void S3Client::create_bucket(const std::string& bucket) const {
    HttpRequest request;
    request.method = "PUT";
    request.url = object_url(S3Url{bucket, ""});
    if (config_.region != "us-east-1") {
        request.body =
            "<CreateBucketConfiguration "
            "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
            config_.region + "</LocationConstraint></CreateBucketConfiguration>";
    }
    send(std::move(request), S3Url{bucket, ""}, "CreateBucket");
}

}  // namespace smtrain::s3
