// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// s3://bucket/key URLs and S3 key joining.
///
/// Errors (the S3 layer's convention): smtrain::Error naming the URL that is
/// not s3://bucket/key.

#include <string>
#include <string_view>

namespace smtrain::s3 {

struct S3Url {
    std::string bucket;
    std::string key;  ///< without the leading '/'; may be empty (s3://bucket)

    /// Parses "s3://bucket/key". Like the toolkit (urlparse, then
    /// path.lstrip("/")), every leading '/' of the key is dropped. Throws
    /// smtrain::Error for another scheme or an empty bucket.
    static S3Url parse(std::string_view url);

    std::string str() const { return "s3://" + bucket + "/" + key; }
};

/// Joins key parts the way Python's os.path.join does for relative parts, which
/// is how the toolkit builds its keys: an empty part adds nothing but a '/'
/// when it is last, and no '/' is doubled where a part already ends in one.
std::string join_key(std::string_view base, std::string_view part);

/// Percent-encodes a key for a URL path: everything but RFC 3986 unreserved
/// characters and '/'. That is also S3's canonical form for SigV4.
std::string encode_key(std::string_view key);

/// Percent-encodes a query-string value (including '/').
std::string encode_query_value(std::string_view value);

}  // namespace smtrain::s3
