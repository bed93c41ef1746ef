// SPDX-License-Identifier: Apache-2.0
// A hang's stacks, counted once (hang_evidence.hpp's HangStacks) for the
// hang's reason and the diagnostics file (diagnostics.hpp): this host's
// processes and, on an MPI master, the ranks its workers were asked for.
#include "launcher/lifecycle/diagnostics.hpp"
#include "launcher/lifecycle/hang_evidence.hpp"

#include "lib/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smtrain::launcher {
namespace {

process::Hang hang_with(std::size_t stacks_here) {
    process::Hang hang;
    hang.reason = "Hang: no progress for 15 s (SMTRAIN_HANG_PROGRESS_S) on algo-1";
    hang.stacks_requested = stacks_here;
    return hang;
}

/// The `hang` object of the diagnostics file of `hang`, whose stacks are `stacks`.
Value hang_in_file(const process::Hang& hang, const HangStacks& stacks) {
    FailureDiagnostics d;
    d.host = "algo-1";
    d.runner = runners::RunnerKind::Mpi;
    d.exit_code = 124;
    d.hang = hang;
    d.hang_stacks = stacks;
    Value file = parse_json(diagnostics_json(d, {}));
    const Value* found = file.find("hang");
    EXPECT_NE(found, nullptr);
    return found ? *found : Value();
}

std::int64_t number(const Value& object, const char* name) {
    const Value* v = object.find(name);
    EXPECT_NE(v, nullptr) << name;
    return v && v->as_int64() ? *v->as_int64() : -1;
}

// An MPI master whose 2 ranks were asked here, and whose worker algo-2 wrote
// the stacks of its 2: the reason says 2 here and 2 on 1 other host, and the
// file counts the same 4.
TEST(HangStacks, TheFileCountsTheOtherHostsStacksAsTheReasonDoes) {
    const process::Hang hang = hang_with(2);
    const HangStacks stacks = hang_stacks(hang, {{"algo-2", 2}});
    EXPECT_EQ(stacks_clause(stacks),
              "; the Python stacks of 2 process(es) here and of 2 on 1 other host(s) are in the log "
              "(SIGABRT, faulthandler)");
    const Value in_file = hang_in_file(hang, stacks);
    EXPECT_EQ(number(in_file, "stacks_requested"), 4) << dump_json(in_file);
    EXPECT_EQ(number(in_file, "stacks_requested_here"), 2) << dump_json(in_file);
    EXPECT_EQ(number(in_file, "stacks_requested_elsewhere"), 2) << dump_json(in_file);
    EXPECT_EQ(number(in_file, "hosts_elsewhere"), 1) << dump_json(in_file);
}

TEST(HangStacks, SeveralOtherHosts) {
    const process::Hang hang = hang_with(1);
    const HangStacks stacks = hang_stacks(hang, {{"algo-2", 2}, {"algo-3", 3}});
    EXPECT_EQ(stacks_clause(stacks),
              "; the Python stacks of 1 process(es) here and of 5 on 2 other host(s) are in the log "
              "(SIGABRT, faulthandler)");
    const Value in_file = hang_in_file(hang, stacks);
    EXPECT_EQ(number(in_file, "stacks_requested"), 6);
    EXPECT_EQ(number(in_file, "stacks_requested_here"), 1);
    EXPECT_EQ(number(in_file, "stacks_requested_elsewhere"), 5);
    EXPECT_EQ(number(in_file, "hosts_elsewhere"), 2);
}

// One host: only its own processes.
TEST(HangStacks, OneHost) {
    const process::Hang hang = hang_with(3);
    const HangStacks stacks = hang_stacks(hang, {});
    EXPECT_EQ(stacks_clause(stacks),
              "; the Python stacks of 3 process(es) are in the log (SIGABRT, faulthandler)");
    const Value in_file = hang_in_file(hang, stacks);
    EXPECT_EQ(number(in_file, "stacks_requested"), 3);
    EXPECT_EQ(number(in_file, "stacks_requested_here"), 3);
    EXPECT_EQ(number(in_file, "stacks_requested_elsewhere"), 0);
    EXPECT_EQ(number(in_file, "hosts_elsewhere"), 0);
}

// No Python process anywhere (a shell program): nothing was asked.
TEST(HangStacks, NoneAsked) {
    const HangStacks stacks = hang_stacks(hang_with(0), {});
    EXPECT_EQ(stacks_clause(stacks), "; no Python process to ask for its stacks");
    EXPECT_EQ(number(hang_in_file(hang_with(0), stacks), "stacks_requested"), 0);
}

// No Python process here (an MPI master whose ranks all run elsewhere): the other hosts' stacks alone.
TEST(HangStacks, OnlyElsewhere) {
    const HangStacks stacks = hang_stacks(hang_with(0), {{"algo-2", 2}});
    EXPECT_EQ(stacks_clause(stacks),
              "; the Python stacks of 0 process(es) here and of 2 on 1 other host(s) are in the log "
              "(SIGABRT, faulthandler)");
    EXPECT_EQ(number(hang_in_file(hang_with(0), stacks), "stacks_requested"), 2);
}

}  // namespace
}  // namespace smtrain::launcher
