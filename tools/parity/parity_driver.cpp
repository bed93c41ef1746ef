// SPDX-License-Identifier: Apache-2.0
// parity-driver: the C++ half of the differential parity harness (tools/parity/parity.py).
//
// It prints what our implementation would hand a user program, in a form the
// harness compares byte for byte with the Python toolkit's output:
//
//   parity-driver env [--cpus N] [--gpus N] [--neurons N] [--smddprun] [--smddpmprun]
//       Loads the tree named by SAGEMAKER_BASE_DIR from this process's environment,
//       with the given machine facts instead of probing, and prints lines
//         env <hex name> <hex value>      every variable the launcher exports
//         arg <hex>                       to_cmd_args(), in order
//         runner <process|mpi|torchrun|smddprun|xla|tf-ps>   choose_runner()
//         kind <python package|python program|command|none>
//         argv <hex>                      the program's argv (argv[0] included)
//         error <hex message>             when loading or resolving failed
//   parity-driver failure --exit-code N --command TEXT [--chunk N]
//       Feeds stdin (in chunks of N bytes) to the stderr capture and prints the
//       output/failure text the launcher would write.
//
// Hex keeps every byte exact, whatever the value holds.

#include "entry_point.hpp"
#include "program_env.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "settings.hpp"
#include "stderr_capture.hpp"

#include <smtrain/error.hpp>
#include <smtrain/training_env.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace smtrain;
using namespace smtrain::launcher;
using namespace smtrain::process;

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out.empty() ? "-" : out;  // "-": the empty string, so every line has its fields
}

int usage() {
    std::fputs(
        "usage: parity-driver env [--cpus N] [--gpus N] [--neurons N] [--smddprun] [--smddpmprun]\n"
        "       parity-driver failure --exit-code N --command TEXT [--chunk N] < stderr-bytes\n",
        stderr);
    return 2;
}

int run_env(const std::vector<std::string_view>& args) {
    MachineFacts machine;
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto next_int = [&]() -> int {
            if (i + 1 >= args.size()) std::exit(usage());
            return std::atoi(std::string(args[++i]).c_str());
        };
        if (args[i] == "--cpus") {
            machine.num_cpus = next_int();
        } else if (args[i] == "--gpus") {
            machine.num_gpus = next_int();
        } else if (args[i] == "--neurons") {
            machine.num_neurons = next_int();
        } else if (args[i] == "--smddprun") {
            machine.smddprun_installed = true;
        } else if (args[i] == "--smddpmprun") {
            machine.smddpmprun_installed = true;
        } else {
            return usage();
        }
    }
    const Environ environ = current_environ();
    LoadOptions options;
    options.environ = environ;
    options.machine = machine;
    options.create_local_tree = false;
    try {
        const TrainingEnv env = TrainingEnv::load(options);
        for (const auto& [name, value] : exported_variables(env, environ, env.paths().code)) {
            std::cout << "env " << hex(name) << ' ' << hex(value) << '\n';
        }
        std::cout << "runner " << to_string(choose_runner(env)) << '\n';
        const std::vector<std::string> cmd_args = env.to_cmd_args();
        for (const auto& arg : cmd_args) std::cout << "arg " << hex(arg) << '\n';
        if (!env.user_entry_point()) {
            std::cout << "kind none\n";
            return 0;
        }
        const std::string& name = *env.user_entry_point();
        const EntryPointKind kind = entry_point_kind(env.paths().code, name);
        const std::filesystem::path python =
            kind == EntryPointKind::Command
                ? ""
                : find_python(Settings::from_environment(environ).python, environ);
        std::cout << "kind " << to_string(kind) << '\n';
        for (const auto& a : program_command(kind, env.paths().code, name, cmd_args, python).argv) {
            std::cout << "argv " << hex(a) << '\n';
        }
    } catch (const std::exception& e) {
        std::cout << "error " << hex(e.what()) << '\n';
    }
    return 0;
}

int run_failure(const std::vector<std::string_view>& args) {
    int exit_code = 1;
    std::string command;
    std::size_t chunk = 65536;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i + 1 >= args.size()) return usage();
        if (args[i] == "--exit-code") {
            exit_code = std::atoi(std::string(args[++i]).c_str());
        } else if (args[i] == "--command") {
            command = args[++i];
        } else if (args[i] == "--chunk") {
            chunk = static_cast<std::size_t>(std::max(1, std::atoi(std::string(args[++i]).c_str())));
        } else {
            return usage();
        }
    }
    std::string input;
    char buffer[65536];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0;) input.append(buffer, n);
    StderrCapture capture;
    for (std::size_t at = 0; at < input.size(); at += chunk)
        capture.feed(std::string_view(input).substr(at, chunk));
    capture.finish();
    // As train.cpp's report_program_result builds it.
    ProcessFailure failure;
    failure.exit_code = exit_code;
    failure.error_message = capture.error_message();
    if (exit_code == 137) failure.extra_info = std::string(kSigkillExtraInfo);
    failure.command = command;
    std::cout << failure.to_string();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string_view mode = argv[1];
    const std::vector<std::string_view> args(argv + 2, argv + argc);
    if (mode == "env") return run_env(args);
    if (mode == "failure") return run_failure(args);
    return usage();
}
