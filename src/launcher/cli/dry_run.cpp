// SPDX-License-Identifier: Apache-2.0
#include "launcher/cli/dry_run.hpp"

#include "launcher/cli/env_format.hpp"
#include "launcher/lifecycle/console.hpp"

#include "lib/json.hpp"

#include <iostream>

namespace smtrain::launcher {
namespace {

using process::Command;

std::string quoted_command(const Command& command) {
    std::string text;
    for (const auto& arg : command.argv) {
        if (!text.empty()) text += ' ';
        text += shell_quote(arg);
    }
    return text;
}

void print_json(const HostPlan& plan) {
    auto argv = [](const Command& c) {
        Value::List list;
        for (const auto& a : c.argv) list.emplace_back(a);
        return Value(std::move(list));
    };
    Value::Dict env;
    for (const auto& [name, value] : plan.variables) env.emplace_back(name, Value(value));
    Value::Dict out;
    out.emplace_back("runner", Value(std::string(to_string(plan.runner))));
    out.emplace_back("entry_point", Value(plan.entry_point));
    out.emplace_back("kind", Value(std::string(to_string(plan.kind))));
    out.emplace_back("install", plan.install ? argv(plan.install->command) : Value());
    out.emplace_back("argv", argv(plan.command));
    out.emplace_back("cwd", Value(plan.cwd.string()));
    out.emplace_back("env", Value(std::move(env)));
    out.emplace_back("arguments", Value(plan.arguments.name()));
    std::cout << dump_json(Value(std::move(out)), JsonDumpOptions{.sort_keys = false, .indent = 2}) << "\n";
}

void print_text(const HostPlan& plan) {
    std::cout << "runner: " << to_string(plan.runner) << "\n"
              << "entry point: " << plan.entry_point << " (" << to_string(plan.kind) << ")\n";
    // Shown when SMTRAIN_ARGS chose another style than the toolkit's.
    if (plan.arguments.kind != ArgumentStyle::Kind::Argparse)
        std::cout << "arguments: " << plan.arguments.name() << " (SMTRAIN_ARGS)\n";
    std::cout << "working directory: " << plan.cwd.string() << "\n";
    if (plan.install) {
        std::cout << "install: " << quoted_command(plan.install->command);
        // The index is asked of CodeArtifact when pip runs, never by a dry run.
        if (plan.install->reads_requirements && plan.codeartifact_index) {
            std::cout << " -i <the pip index of CodeArtifact repository $CA_REPOSITORY_ARN>";
        }
        std::cout << "\n";
    }
    std::cout << "command: " << quoted_command(plan.command) << "\n"
              << "environment:\n"
              << format_variables(plan.variables, EnvFormat::Export);
}

}  // namespace

int run_dry_run(PlanFormat format, const Lifecycle& lifecycle, const Environ& environ) {
    const PlannedHost planned = plan_only(lifecycle, environ);
    if (planned.plan) {
        if (format == PlanFormat::Json) {
            print_json(*planned.plan);
        } else {
            print_text(*planned.plan);
        }
    } else if (planned.outcome.own_failure) {
        say(*planned.outcome.own_failure);  // nothing is written: the failure is its line on stderr
    }
    return planned.outcome.exit_code;
}

}  // namespace smtrain::launcher
