// SPDX-License-Identifier: Apache-2.0
#include "lib/machine_probe.hpp"

#include "lib/config_files.hpp"
#include "lib/path_search.hpp"

#include <smtrain/value.hpp>
#include "lib/json.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

namespace smtrain {

namespace {

using Clock = std::chrono::steady_clock;

// Probe output beyond this is ignored: no real nvidia-smi or neuron-ls prints more,
// and a broken one must not exhaust memory.
constexpr std::size_t max_probe_output = 4 << 20;

// One probe program running with its stdout on a pipe.
struct Probe {
    pid_t pid = -1;
    int fd = -1;
    std::string output;
    bool reaped = false;
    bool exited_zero = false;
    bool saw_eof = false;
};

/// The probes' environment as execve takes it, built when a probe is found:
/// on a machine with neither nvidia-smi nor neuron-ls (most CPU jobs) it is
/// never needed, and the copy was a tenth of a no-op job's allocations.
class ProbeEnvironment {
public:
    explicit ProbeEnvironment(const Environ& env) : env_(env) {}
    char* const* get() {
        if (pointers_.empty()) {
            strings_.reserve(env_.size());
            for (const auto& [name, value] : env_) strings_.push_back(name + "=" + value);
            for (auto& text : strings_) pointers_.push_back(text.data());
            pointers_.push_back(nullptr);
        }
        return pointers_.data();
    }

private:
    const Environ& env_;
    std::vector<std::string> strings_;
    std::vector<char*> pointers_;
};

// Starts `argv` (argv[0] searched in the given environment's PATH) in its own process
// group, stdin and stderr on /dev/null, stdout on a pipe. No shell, no fork in this process.
Probe start_probe(const Environ& env, const std::vector<std::string>& argv, ProbeEnvironment& envp) {
    Probe probe;
    const auto exe = detail::find_in_path(argv.front(), env);
    if (exe.empty()) return probe;

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return probe;

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    // Own process group, so a timeout kills the probe's children too; default signal
    // dispositions and an empty mask, whatever the launcher set for itself.
    sigset_t empty_mask, default_signals;
    sigemptyset(&empty_mask);
    sigfillset(&default_signals);
    posix_spawnattr_setsigmask(&attr, &empty_mask);
    posix_spawnattr_setsigdefault(&attr, &default_signals);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, &attr, args.data(), envp.get());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(pipe_fds[1]);
    if (rc != 0) {
        ::close(pipe_fds[0]);
        return probe;
    }
    probe.pid = pid;
    probe.fd = pipe_fds[0];
    return probe;
}

void reap(Probe& probe, int options) {
    if (probe.pid < 0 || probe.reaped) return;
    int status = 0;
    pid_t r;
    do {
        r = ::waitpid(probe.pid, &status, options);
    } while (r < 0 && errno == EINTR);
    if (r == probe.pid) {
        probe.reaped = true;
        probe.exited_zero = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    } else if (r < 0) {
        // ECHILD: a PID-1 reaper in this process collected it first. The exit status
        // is lost; a complete output is the best evidence of success left.
        probe.reaped = true;
        probe.exited_zero = probe.saw_eof;
    }
}

// Reads every running probe's output until each has exited or `deadline` passes;
// then kills (the whole process group of) whatever still runs.
void collect(std::vector<Probe*>& probes, Clock::time_point deadline) {
    for (;;) {
        std::vector<pollfd> fds;
        std::vector<Probe*> owners;
        bool waiting = false;
        for (Probe* p : probes) {
            if (p->pid < 0) continue;
            if (p->fd >= 0) {
                fds.push_back({p->fd, POLLIN, 0});
                owners.push_back(p);
            } else {
                reap(*p, WNOHANG);
                if (!p->reaped) waiting = true;
            }
        }
        if (fds.empty() && !waiting) return;
        const auto now = Clock::now();
        if (now >= deadline) break;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
        // Closed pipes but an unreaped child: check again soon rather than block.
        if (fds.empty() || waiting) left = std::min<long long>(left, 5);
        const int n = ::poll(fds.data(), fds.size(), static_cast<int>(left));
        if (n < 0 && errno != EINTR) break;
        for (std::size_t i = 0; n > 0 && i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            Probe* p = owners[i];
            char chunk[8192];
            const ssize_t got = ::read(p->fd, chunk, sizeof chunk);
            if (got > 0) {
                if (p->output.size() < max_probe_output)
                    p->output.append(chunk, static_cast<std::size_t>(got));
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                p->saw_eof = got == 0;
                ::close(p->fd);
                p->fd = -1;
            }
        }
    }
    for (Probe* p : probes) {
        if (p->pid >= 0 && !p->reaped) {
            ::kill(-p->pid, SIGKILL);
            reap(*p, 0);
            p->exited_zero = false;  // timed out: its output may be partial
        }
    }
}

void close_probe(Probe& p) {
    if (p.fd >= 0) ::close(p.fd);
    p.fd = -1;
}

// Lines starting "GPU " in `nvidia-smi --list-gpus`.
int count_gpus(const std::string& output) {
    int gpus = 0;
    std::size_t pos = 0;
    while (pos < output.size()) {
        if (output.compare(pos, 4, "GPU ") == 0) ++gpus;
        const std::size_t nl = output.find('\n', pos);
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    return gpus;
}

// Sum of `nc_count` over the devices `neuron-ls -j` lists; 0 when the output is
// not such a list (the toolkit would crash on it instead).
int count_neuron_cores(const std::string& output) {
    try {
        const Value devices = parse_json(output, detail::max_json_depth);
        if (!devices.is_list()) return 0;
        long long cores = 0;
        for (const Value& device : devices.as_list()) {
            if (!device.is_dict()) return 0;
            const Value* count = device.find("nc_count");
            if (count == nullptr) continue;
            const auto n = count->is_int() ? count->as_int64() : std::nullopt;
            if (!n || *n < 0 || *n > 1'000'000) return 0;
            cores += *n;
        }
        return cores > 1'000'000 ? 0 : static_cast<int>(cores);
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

MachineFacts probe_machine(const Environ& env, std::string_view instance_type,
                           std::chrono::milliseconds timeout) {
    MachineFacts facts;
    const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    facts.num_cpus = cpus > 0 ? static_cast<int>(cpus) : 1;
    facts.smddprun_installed = !detail::find_in_path("smddprun", env).empty();
    facts.smddpmprun_installed = !detail::find_in_path("smddpmprun", env).empty();

    // As the toolkit: trn2.48xlarge is known to have 64 cores without asking neuron-ls.
    const bool known_neurons = instance_type.find("trn2.48xlarge") != std::string_view::npos;

    ProbeEnvironment envp(env);

    const auto deadline = Clock::now() + timeout;
    Probe gpu = start_probe(env, {"nvidia-smi", "--list-gpus"}, envp);
    Probe neuron;
    if (!known_neurons) neuron = start_probe(env, {"neuron-ls", "-j"}, envp);
    std::vector<Probe*> probes{&gpu, &neuron};
    collect(probes, deadline);
    close_probe(gpu);
    close_probe(neuron);

    facts.num_gpus = gpu.exited_zero ? count_gpus(gpu.output) : 0;
    facts.num_neurons = known_neurons ? 64 : (neuron.exited_zero ? count_neuron_cores(neuron.output) : 0);
    return facts;
}

}  // namespace smtrain
