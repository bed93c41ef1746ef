// SPDX-License-Identifier: Apache-2.0
// Linked into every test binary registered with `smtrain_add_gtest(... PID1 EACH)`
// (tests/CMakeLists.txt), so no `pid1.` copy can run without the guard.
#include "pid1_mode_guard.hpp"
