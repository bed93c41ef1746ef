// SPDX-License-Identifier: Apache-2.0
#include "s3/codeartifact.hpp"

#include <chrono>
#include <thread>

#include <smtrain/error.hpp>
#include "lib/json.hpp"
#include "s3/http.hpp"
#include "s3/s3_url.hpp"

namespace smtrain::s3 {
namespace {

/// Takes the text up to (not including) `stop` from the front of `rest`;
/// nullopt when that text is empty or `stop` never comes.
std::optional<std::string> take_until(std::string_view& rest, char stop) {
    const std::size_t end = rest.find(stop);
    if (end == 0 || end == std::string_view::npos) return std::nullopt;
    std::string field(rest.substr(0, end));
    rest.remove_prefix(end + 1);
    return field;
}

bool take_literal(std::string_view& rest, std::string_view literal) {
    if (rest.substr(0, literal.size()) != literal) return false;
    rest.remove_prefix(literal.size());
    return true;
}

std::string endpoint_for(const CodeArtifactRepository& repo, const Environ& env) {
    for (const char* name : {"AWS_ENDPOINT_URL_CODEARTIFACT", "AWS_ENDPOINT_URL"}) {
        if (auto url = aws_variable(env, name); url && !url->empty()) {
            std::string endpoint = *url;
            while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
            return endpoint;
        }
    }
    const char* domain = repo.partition == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
    return "https://codeartifact." + repo.region + "." + domain;
}

/// One CodeArtifact call; retried on throttling, 5xx and transport errors, as
/// boto3's standard retry mode would. Returns the JSON body.
Value call(HttpRequest request, const std::string& action, CredentialProvider& credentials) {
    constexpr int kAttempts = 5;
    HttpClient http;
    HttpResponse response;
    for (int attempt = 1;; ++attempt) {
        const Credentials creds = credentials.get();
        request.credentials = &creds;
        response = http.perform(request);
        const bool retryable = !response.transport_ok() || response.status >= 500 || response.status == 429;
        if (!retryable || attempt == kAttempts) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    }
    if (!response.transport_ok()) throw Error(action + ": " + response.curl_error);
    Value body;  // None when the body is not JSON, as the checks below want it
    try {
        body = parse_json(response.body);
    } catch (const JsonSyntaxError&) {
    }
    if (!response.ok()) {
        // AWS JSON errors: the type in x-amzn-ErrorType ("Name:uri"), the text in "message".
        std::string text = action + ": HTTP " + std::to_string(response.status);
        std::string type = response.headers["x-amzn-errortype"];
        type = type.substr(0, type.find(':'));
        if (!type.empty()) text += " " + type;
        for (const char* key : {"message", "Message"}) {
            if (const Value* message = body.find(key); message && message->is_string()) {
                text += ": " + message->as_string();
                break;
            }
        }
        throw Error(text);
    }
    if (!body.is_dict()) throw Error(action + ": the answer is not a JSON object");
    return body;
}

std::string string_field(const Value& body, const std::string& action, const char* key) {
    const Value* field = body.find(key);
    if (!field || !field->is_string() || field->as_string().empty()) {
        throw Error(action + ": the answer has no " + key);
    }
    return field->as_string();
}

}  // namespace

std::optional<CodeArtifactRepository> CodeArtifactRepository::parse(std::string_view arn) {
    CodeArtifactRepository repo;
    std::string_view rest = arn;
    if (!take_literal(rest, "arn:")) return std::nullopt;
    auto partition = take_until(rest, ':');
    if (!partition || !take_literal(rest, "codeartifact:")) return std::nullopt;
    auto region = take_until(rest, ':');
    auto account = region ? take_until(rest, ':') : std::nullopt;
    if (!account || !take_literal(rest, "repository/")) return std::nullopt;
    auto domain = take_until(rest, '/');
    if (!domain) return std::nullopt;
    // Python's "." stops at a newline; whatever follows it is ignored (re.match).
    const std::string_view repository = rest.substr(0, rest.find('\n'));
    if (repository.empty()) return std::nullopt;
    repo.partition = std::move(*partition);
    repo.region = std::move(*region);
    repo.account = std::move(*account);
    repo.domain = std::move(*domain);
    repo.repository = std::string(repository);
    return repo;
}

std::string pip_index_url(const std::string& repository_endpoint, const std::string& repository,
                          const std::string& token) {
    std::string url = repository_endpoint;
    for (const std::string& suffix : {repository + "/", repository}) {
        if (url.size() >= suffix.size() &&
            url.compare(url.size() - suffix.size(), suffix.size(), suffix) == 0) {
            url.replace(url.size() - suffix.size(), suffix.size(), repository + "/simple/");
            break;
        }
    }
    const std::string scheme = "https://", authenticated = "https://aws:" + token + "@";
    for (std::size_t at = url.find(scheme); at != std::string::npos;
         at = url.find(scheme, at + authenticated.size())) {
        url.replace(at, scheme.size(), authenticated);
    }
    return url;
}

PipIndex codeartifact_pip_index(const std::string& arn, const Environ& env) {
    const auto repo = CodeArtifactRepository::parse(arn);
    if (!repo) throw Error("invalid CodeArtifact repository arn " + arn);
    try {
        CredentialProvider credentials(env);
        const std::string endpoint = endpoint_for(*repo, env);
        // Parameters in the order of SigV4's canonical query, sorted by name.
        const std::string owner_query = "domain=" + encode_query_value(repo->domain) +
                                        "&domain-owner=" + encode_query_value(repo->account);

        HttpRequest token_request;
        token_request.method = "POST";
        token_request.url = endpoint + "/v1/authorization-token?" + owner_query;
        token_request.region = repo->region;
        token_request.service = "codeartifact";
        const std::string token = string_field(call(token_request, "GetAuthorizationToken", credentials),
                                               "GetAuthorizationToken", "authorizationToken");

        HttpRequest endpoint_request;
        endpoint_request.url = endpoint + "/v1/repository/endpoint?" + owner_query +
                               "&format=pypi&repository=" + encode_query_value(repo->repository);
        endpoint_request.region = repo->region;
        endpoint_request.service = "codeartifact";
        const std::string repository_endpoint =
            string_field(call(endpoint_request, "GetRepositoryEndpoint", credentials),
                         "GetRepositoryEndpoint", "repositoryEndpoint");
        return {pip_index_url(repository_endpoint, repo->repository, token), token};
    } catch (const Error& e) {
        // The toolkit says only this much; the reason is what the user needs.
        throw Error(std::string("failed to configure pip to use codeartifact: ") + e.what());
    }
}

}  // namespace smtrain::s3
