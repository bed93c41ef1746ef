// SPDX-License-Identifier: Apache-2.0
#include "s3/http.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <smtrain/error.hpp>
#include "s3/credentials.hpp"

namespace smtrain::s3 {
namespace {

struct Exchange {
    const CurlApi* api;
    CURL* handle;
    const HttpRequest* request;
    HttpResponse* response;
    std::uint64_t sent = 0;      ///< body bytes handed to curl so far
    int write_errno = 0;         ///< set when writing the response to response_fd failed
    std::uint64_t received = 0;  ///< 2xx body bytes handed to response_sink so far
};

size_t read_body(char* buffer, size_t size, size_t count, void* userdata) {
    auto* ex = static_cast<Exchange*>(userdata);
    const HttpRequest& req = *ex->request;
    const std::uint64_t left = req.body_size - ex->sent;
    const size_t want = static_cast<size_t>(std::min<std::uint64_t>(left, size * count));
    if (want == 0) return 0;
    ssize_t got;
    do {
        got = ::pread(req.body_fd, buffer, want, req.body_offset + static_cast<off_t>(ex->sent));
    } while (got < 0 && errno == EINTR);
    if (got <= 0) return CURL_READFUNC_ABORT;  // the file shrank or failed under us
    ex->sent += static_cast<std::uint64_t>(got);
    return static_cast<size_t>(got);
}

size_t read_memory_body(char* buffer, size_t size, size_t count, void* userdata) {
    auto* ex = static_cast<Exchange*>(userdata);
    const std::string& body = ex->request->body;
    const size_t want = std::min<size_t>(body.size() - ex->sent, size * count);
    std::memcpy(buffer, body.data() + ex->sent, want);
    ex->sent += want;
    return want;
}

// curl rewinds the body when it must resend it (a redirect, a reused
// connection that turned out closed).
int seek_body(void* userdata, curl_off_t offset, int origin) {
    auto* ex = static_cast<Exchange*>(userdata);
    if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
    ex->sent = static_cast<std::uint64_t>(offset);
    return CURL_SEEKFUNC_OK;
}

size_t write_body(char* data, size_t size, size_t count, void* userdata) {
    auto* ex = static_cast<Exchange*>(userdata);
    const size_t n = size * count;
    long status = 0;
    ex->api->easy_getinfo(ex->handle, CURLINFO_RESPONSE_CODE, &status);
    const bool success = status >= 200 && status < 300;
    if (success && ex->request->response_fd < 0 && ex->request->response_sink) {
        if (!ex->request->response_sink(ex->received, data, n)) return 0;
        ex->received += n;
        return n;
    }
    if (ex->request->response_fd < 0 || !success) {
        ex->response->body.append(data, n);
        return n;
    }
    size_t done = 0;
    while (done < n) {
        const ssize_t w = ::write(ex->request->response_fd, data + done, n - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            ex->write_errno = errno;
            return 0;  // makes curl fail with CURLE_WRITE_ERROR
        }
        done += static_cast<size_t>(w);
    }
    return n;
}

size_t collect_header(char* data, size_t size, size_t count, void* userdata) {
    auto* ex = static_cast<Exchange*>(userdata);
    const size_t n = size * count;
    std::string line(data, n);
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
        // A status line starts a new header block (after a 100 Continue, a redirect).
        if (line.rfind("HTTP/", 0) == 0) ex->response->headers.clear();
        return n;
    }
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
    ex->response->headers[name] = value;
    return n;
}

// curl polls this at least once a second, also while connecting.
int check_cancel(void* userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancel = static_cast<const std::atomic<bool>*>(userdata);
    return cancel->load() ? 1 : 0;
}

// curl creates its connection sockets without close-on-exec; sm-train forks
// the training program while S3 threads may hold connections open, so the
// sockets are created close-on-exec from the start (no window for a fork).
curl_socket_t open_cloexec_socket(void*, curlsocktype, curl_sockaddr* address) {
    return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

}  // namespace

HttpClient::HttpClient() : api_(CurlApi::get()), handle_(api_.easy_init()) {
    if (!handle_) throw Error("libcurl: curl_easy_init failed");
}

HttpClient::~HttpClient() { api_.easy_cleanup(handle_); }

HttpResponse HttpClient::perform(const HttpRequest& request) {
    HttpResponse response;
    Exchange ex{&api_, handle_, &request, &response};
    CurlHeaders headers(api_);
    // No "Expect:" entry to turn off "Expect: 100-continue": curl before 8.4
    // signs such an entry as a header "expect" that it then never sends, and
    // AWS cannot verify that signature. A small file body is sent the way curl
    // sends a POST (which gets no Expect up to 1 MiB) under the method name
    // PUT; larger bodies wait for S3's "100 Continue" (one round trip).
    const bool file_body = request.body_fd >= 0;
    const bool small_put = request.method == "PUT" && file_body && request.body_size <= kExpectContinueAbove;
    bool content_type = false;
    for (const std::string& h : request.headers) {
        headers.add(h);
        content_type = content_type || (h.size() >= 13 && strncasecmp(h.c_str(), "content-type:", 13) == 0);
    }
    // A POST gets "application/x-www-form-urlencoded" unless told otherwise;
    // S3's own default for an object without a type is this one.
    if (small_put && !content_type) headers.add("Content-Type: binary/octet-stream");

    CURL* h = handle_;
    api_.easy_reset(h);  // keeps the connection cache, forgets the last request
    auto set = [&](CURLoption option, auto value) {
        const CURLcode rc = api_.easy_setopt(h, option, value);
        if (rc != CURLE_OK) throw Error(std::string("libcurl: setopt failed: ") + api_.easy_strerror(rc));
    };
    set(CURLOPT_URL, request.url.c_str());
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_CONNECTTIMEOUT_MS, request.connect_timeout_ms);
    set(CURLOPT_TIMEOUT_MS, request.total_timeout_ms);
    set(CURLOPT_LOW_SPEED_LIMIT, 1L);
    set(CURLOPT_LOW_SPEED_TIME, request.low_speed_time_s);
    set(CURLOPT_WRITEFUNCTION, &write_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&ex));
    set(CURLOPT_HEADERFUNCTION, &collect_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&ex));
    set(CURLOPT_OPENSOCKETFUNCTION, &open_cloexec_socket);
    if (request.cancel) {
        set(CURLOPT_NOPROGRESS, 0L);
        set(CURLOPT_XFERINFOFUNCTION, &check_cancel);
        set(CURLOPT_XFERINFODATA, const_cast<void*>(static_cast<const void*>(request.cancel)));
    }

    const curl_off_t body_size = static_cast<curl_off_t>(file_body ? request.body_size : request.body.size());
    if (request.method == "PUT" || request.method == "POST") {
        if (small_put) {
            set(CURLOPT_POST, 1L);
            set(CURLOPT_POSTFIELDSIZE_LARGE, body_size);
            set(CURLOPT_CUSTOMREQUEST, "PUT");
        } else if (request.method == "PUT") {
            set(CURLOPT_UPLOAD, 1L);
            set(CURLOPT_INFILESIZE_LARGE, body_size);
        } else {
            set(CURLOPT_POST, 1L);
            set(CURLOPT_POSTFIELDSIZE_LARGE, body_size);
        }
        set(CURLOPT_READFUNCTION, file_body ? &read_body : &read_memory_body);
        set(CURLOPT_READDATA, static_cast<void*>(&ex));
        set(CURLOPT_SEEKFUNCTION, &seek_body);
        set(CURLOPT_SEEKDATA, static_cast<void*>(&ex));
    } else if (request.method == "DELETE") {
        set(CURLOPT_CUSTOMREQUEST, "DELETE");
    } else if (request.method != "GET") {
        throw Error("internal: unsupported HTTP method " + request.method);
    }

    std::string sigv4;
    if (request.credentials) {
        sigv4 = "aws:amz:" + request.region + ":" + request.service;
        set(CURLOPT_AWS_SIGV4, sigv4.c_str());
        set(CURLOPT_USERNAME, request.credentials->access_key_id.c_str());
        set(CURLOPT_PASSWORD, request.credentials->secret_access_key.c_str());
        // curl signs the payload hash it finds in this header instead of hashing the
        // body. Only S3 accepts an unsigned payload; other services' requests here
        // have an empty body, whose hash curl computes itself.
        if (request.service == "s3") headers.add("x-amz-content-sha256: UNSIGNED-PAYLOAD");
        if (!request.credentials->session_token.empty()) {
            headers.add("x-amz-security-token: " + request.credentials->session_token);
        }
    }
    set(CURLOPT_HTTPHEADER, headers.get());

    char error_buffer[CURL_ERROR_SIZE] = {};
    set(CURLOPT_ERRORBUFFER, static_cast<char*>(error_buffer));
    response.curl_code = api_.easy_perform(h);
    api_.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    if (response.curl_code != CURLE_OK) {
        response.curl_error = error_buffer[0] ? error_buffer : api_.easy_strerror(response.curl_code);
        if (ex.write_errno) response.curl_error += std::string(": ") + std::strerror(ex.write_errno);
    }
    // The handle must not keep pointers into this frame.
    api_.easy_reset(h);
    return response;
}

HttpClientPool::HttpClientPool(unsigned size) : size_(std::max(1u, size)) {}

HttpClientPool::Lease::~Lease() {
    if (client_) pool_->give_back(std::move(client_));
}

void HttpClientPool::give_back(std::unique_ptr<HttpClient> client) {
    {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(client));
    }
    returned_.notify_one();
}

std::optional<HttpClientPool::Lease> HttpClientPool::acquire(const std::atomic<bool>* cancel) {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (cancel && cancel->load()) return std::nullopt;
        if (!idle_.empty()) {
            std::unique_ptr<HttpClient> client = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(client));
        }
        if (made_ < size_) {
            ++made_;
            lock.unlock();
            try {
                return Lease(*this, std::make_unique<HttpClient>());
            } catch (...) {
                lock.lock();
                --made_;
                throw;
            }
        }
        returned_.wait_for(lock, std::chrono::milliseconds(50));
    }
}

}  // namespace smtrain::s3
