// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/console.hpp"

#include "process/output_sink.hpp"
#include "process/supervisor.hpp"

#include <string>

namespace smtrain::launcher {

void say(std::string_view line) {
    std::string text(line);
    text += '\n';
    process::stderr_sink().write(text);
}

void become_reaper_of_orphans() {
    if (process::become_subreaper()) return;
    say("sm-train: warning: cannot become a child subreaper; orphans of the program will not be reaped by "
        "sm-train");
}

}  // namespace smtrain::launcher
