// SPDX-License-Identifier: Apache-2.0
#include "s3/credentials.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include <smtrain/error.hpp>
#include "lib/json.hpp"
#include "s3/http.hpp"

namespace smtrain::s3 {
namespace {

constexpr const char* kContainerEndpoint = "http://169.254.170.2";
/// Test-only: replaces the 169.254.170.2 base of AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
/// (docs/s3.md). Real containers never set it. Read here with the AWS_* variables
/// it stands beside, not in sm-train's Settings: it is no setting of sm-train but
/// a hook of the credential chain's tests, which run the S3 layer without sm-train.
constexpr const char* kContainerEndpointOverride = "SMTRAIN_TEST_CONTAINER_CREDENTIALS_ENDPOINT";
constexpr const char* kImdsEndpoint = "http://169.254.169.254";

std::string trim(std::string s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

std::string non_empty(const Environ& env, const std::string& name) {
    auto value = aws_variable(env, name);
    return value ? *value : "";
}

/// The JSON shape both the container endpoint and IMDS answer with.
Credentials parse_credentials_json(const std::string& where, const std::string& body) {
    Value doc;
    try {
        doc = parse_json(body);
    } catch (const JsonSyntaxError& e) {
        throw Error(where + ": credentials response is not JSON: " + e.what());
    }
    auto field = [&](const char* name, bool required) -> std::string {
        const Value* v = doc.find(name);
        if (!v) {
            if (required) throw Error(where + ": credentials response: $." + name + ": missing");
            return "";
        }
        if (!v->is_string()) {
            throw Error(where + ": credentials response: $." + name + ": expected string, got " +
                        v->json_type_name());
        }
        return v->as_string();
    };
    Credentials creds;
    creds.access_key_id = field("AccessKeyId", true);
    creds.secret_access_key = field("SecretAccessKey", true);
    creds.session_token = field("Token", false);
    if (const std::string expiration = field("Expiration", false); !expiration.empty()) {
        creds.expiration = parse_iso8601_utc(expiration);
        if (!creds.expiration) {
            throw Error(where + ": credentials response: $.Expiration: not an ISO 8601 time: " + expiration);
        }
    }
    return creds;
}

/// The container endpoint may only be plain http on loopback or the ECS/EKS
/// link-local addresses, as in the SDKs: elsewhere the token would travel in clear.
bool allowed_full_uri(const std::string& uri) {
    if (uri.rfind("https://", 0) == 0) return true;
    if (uri.rfind("http://", 0) != 0) return false;
    std::string host = uri.substr(7, uri.find_first_of("/?#", 7) - 7);
    if (!host.empty() && host.front() == '[') {
        host = host.substr(1, host.find(']') - 1);
    } else if (const auto colon = host.find(':'); colon != std::string::npos) {
        host = host.substr(0, colon);
    }
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1" || host == "169.254.170.2" ||
           host == "169.254.170.23" || host == "fd00:ec2::23";
}

HttpResponse get_with_retries(HttpClient& http, const HttpRequest& request, int attempts) {
    HttpResponse response;
    for (int i = 0; i < attempts; ++i) {
        response = http.perform(request);
        if (response.transport_ok() && response.status < 500 && response.status != 429) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << i));
    }
    return response;
}

std::string describe(const HttpResponse& r) {
    if (!r.transport_ok()) return r.curl_error;
    std::string text = "HTTP " + std::to_string(r.status);
    const std::string body = trim(r.body.substr(0, 200));
    if (!body.empty()) text += ": " + body;
    return text;
}

}  // namespace

std::optional<std::string> aws_variable(const Environ& env, std::string_view name) {
    auto value = lookup(env, name);
    if (!value || value->empty()) return std::nullopt;
    return value;
}

std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(const std::string& text) {
    std::tm tm{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
        return std::nullopt;
    }
    std::string rest = text.substr(static_cast<size_t>(consumed));
    if (!rest.empty() && rest.front() == '.') rest.erase(0, rest.find_first_not_of("0123456789", 1));
    if (rest != "Z" && rest != "+00:00" && rest != "") return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const time_t t = ::timegm(&tm);
    if (t == static_cast<time_t>(-1)) return std::nullopt;
    return std::chrono::system_clock::from_time_t(t);
}

std::string resolve_region(const Environ& env, const std::string& sagemaker_region_hyperparameter) {
    if (auto r = aws_variable(env, "AWS_REGION")) return *r;
    if (auto r = aws_variable(env, "SAGEMAKER_REGION")) return *r;
    if (!sagemaker_region_hyperparameter.empty()) return sagemaker_region_hyperparameter;
    if (auto r = aws_variable(env, "AWS_DEFAULT_REGION")) return *r;
    return "us-east-1";
}

CredentialProvider::CredentialProvider(Environ env) : env_(std::move(env)) {}

std::optional<Credentials> CredentialProvider::from_environment() const {
    const std::string key = non_empty(env_, "AWS_ACCESS_KEY_ID");
    const std::string secret = non_empty(env_, "AWS_SECRET_ACCESS_KEY");
    if (key.empty() || secret.empty()) return std::nullopt;
    return Credentials{key, secret, non_empty(env_, "AWS_SESSION_TOKEN"), std::nullopt};
}

std::optional<Credentials> CredentialProvider::from_container() const {
    std::string url;
    std::vector<std::string> headers;
    if (const std::string relative = non_empty(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        !relative.empty()) {
        const auto base = aws_variable(env_, kContainerEndpointOverride);
        url = (base ? *base : kContainerEndpoint) + relative;
    } else if (const std::string full = non_empty(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
               !full.empty()) {
        if (!allowed_full_uri(full)) {
            throw Error("AWS_CONTAINER_CREDENTIALS_FULL_URI: " + full +
                        ": plain http is only allowed to loopback or 169.254.170.2/.23");
        }
        url = full;
        std::string token;
        if (const std::string file = non_empty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
            !file.empty()) {
            std::ifstream in(file);
            if (!in) throw Error("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: cannot read " + file);
            std::stringstream text;
            text << in.rdbuf();
            token = trim(text.str());
        } else {
            token = non_empty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
        }
        if (!token.empty()) headers.push_back("Authorization: " + token);
    } else {
        return std::nullopt;
    }

    HttpClient http;
    HttpRequest request;
    request.url = url;
    request.headers = headers;
    request.connect_timeout_ms = 2'000;
    request.total_timeout_ms = 5'000;
    const HttpResponse response = get_with_retries(http, request, 3);
    if (!response.ok()) throw Error("container credentials endpoint " + url + ": " + describe(response));
    return parse_credentials_json("container credentials endpoint " + url, response.body);
}

std::optional<Credentials> CredentialProvider::from_imds() const {
    if (const auto disabled = aws_variable(env_, "AWS_EC2_METADATA_DISABLED");
        disabled && (*disabled == "true" || *disabled == "1")) {
        return std::nullopt;
    }
    const auto endpoint_override = aws_variable(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    std::string base = endpoint_override ? *endpoint_override : kImdsEndpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();

    HttpClient http;
    // One short try: a machine without IMDS must not wait for it.
    HttpRequest token_request;
    token_request.method = "PUT";
    token_request.url = base + "/latest/api/token";
    token_request.headers = {"X-aws-ec2-metadata-token-ttl-seconds: 21600"};
    token_request.connect_timeout_ms = 1'000;
    token_request.total_timeout_ms = 1'000;
    const HttpResponse token = http.perform(token_request);
    if (!token.ok()) return std::nullopt;

    HttpRequest request;
    request.headers = {"X-aws-ec2-metadata-token: " + trim(token.body)};
    request.connect_timeout_ms = 1'000;
    request.total_timeout_ms = 2'000;
    request.url = base + "/latest/meta-data/iam/security-credentials/";
    const HttpResponse roles = get_with_retries(http, request, 2);
    if (!roles.ok()) {
        if (roles.status == 404) return std::nullopt;  // an instance without a role
        throw Error("instance metadata " + request.url + ": " + describe(roles));
    }
    const std::string role = trim(roles.body.substr(0, roles.body.find('\n')));
    if (role.empty()) return std::nullopt;
    request.url += role;
    const HttpResponse creds = get_with_retries(http, request, 2);
    if (!creds.ok()) throw Error("instance metadata " + request.url + ": " + describe(creds));
    return parse_credentials_json("instance metadata " + request.url, creds.body);
}

Credentials CredentialProvider::fetch() {
    if (auto c = from_environment()) {
        source_ = "environment";
        return *c;
    }
    if (auto c = from_container()) {
        source_ = "container";
        return *c;
    }
    if (auto c = from_imds()) {
        source_ = "imds";
        return *c;
    }
    throw Error(
        "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set, no container credentials "
        "endpoint is configured, and EC2 instance metadata did not answer");
}

Credentials CredentialProvider::get() {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::system_clock::now();
    if (cached_ && (!cached_->expiration || *cached_->expiration - refresh_margin > now)) return *cached_;
    try {
        cached_ = fetch();
    } catch (const Error&) {
        // A failed refresh is tolerated while the old credentials still work.
        if (cached_ && cached_->expiration && *cached_->expiration > now) return *cached_;
        throw;
    }
    return *cached_;
}

void CredentialProvider::invalidate() {
    std::lock_guard lock(mutex_);
    cached_.reset();
}

std::string CredentialProvider::source() {
    std::lock_guard lock(mutex_);
    return source_;
}

}  // namespace smtrain::s3
