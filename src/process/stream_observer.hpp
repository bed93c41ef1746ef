// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// What sees every byte of a program's stream as the supervisor reads it.
///
/// The supervisor hands an observer the bytes before its OutputSink, which may
/// drop some, so the observer loses nothing. What it makes of them is not the
/// process layer's business: the failure report's capture of stderr
/// (launcher/lifecycle/stderr_capture.hpp: the toolkit's error classes and format) is one.
///
/// Errors: an exception from an observer ends supervise() with it (the program
/// is stopped and reaped first, see supervisor.hpp).

#include <string_view>

namespace smtrain::process {

class StreamObserver {
public:
    virtual ~StreamObserver() = default;
    /// The next bytes of the stream, as they come: lines may span calls.
    virtual void feed(std::string_view bytes) = 0;
    /// The stream ended (EOF, or the program's end).
    virtual void finish() = 0;
};

}  // namespace smtrain::process
