// SPDX-License-Identifier: Apache-2.0
#include "launcher/devloop/local_hosts.hpp"

#include "launcher/devloop/host_wait.hpp"
#include "process/command.hpp"
#include "process/reaper.hpp"
#include "process/spawn.hpp"
#include "process/stop.hpp"

#include "lib/path_search.hpp"
#include "lib/unique_fd.hpp"

#include <smtrain/error.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace smtrain::launcher {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void unavailable(const std::string& what) { throw Error(what, ExitCode::Unavailable); }

fs::path find_ip(const Environ& environ) {
    // `ip` lives in /usr/sbin or /sbin, which a user's PATH often lacks.
    const std::string path =
        lookup(environ, "PATH").value_or(std::string(detail::kDefaultPath)) + ":/usr/sbin:/sbin";
    return detail::find_in_path("ip", path);
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

/// Runs `ip ARGS...` (argv, no shell); Error(Unavailable) with its stderr when it fails.
class IpTool {
public:
    IpTool(fs::path ip, fs::path errors) : ip_(std::move(ip)), errors_(std::move(errors)) {}

    bool run(const std::vector<std::string>& args, bool quiet = false) const {
        process::SpawnSpec spec;
        spec.program = ip_;
        spec.argv = {ip_.string()};
        spec.argv.insert(spec.argv.end(), args.begin(), args.end());
        spec.env = process::to_envp(current_environ());  // sm-train's own
        spec.new_process_group = false;
        const detail::UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        const detail::UniqueFd out(::open("/dev/null", O_WRONLY | O_CLOEXEC));
        const detail::UniqueFd err(::open(errors_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        spec.stdin_fd = in.get();
        spec.stdout_fd = out.get();
        spec.stderr_fd = err.get();
        bool ok = false;
        try {
            const pid_t pid = process::spawn(spec).pid;
            // `ip` ends at once; the bound only keeps a wedged one from hanging the run.
            const auto status =
                process::Reaper::wait_until(pid, std::chrono::steady_clock::now() + std::chrono::minutes(1));
            ok = status && process::exit_code_of(*status) == 0;
        } catch (const process::SpawnError&) {
        }
        if (!ok && !quiet) {
            std::string command = "ip";
            for (const auto& a : args) command += " " + a;
            unavailable("sm-train local: `" + command + "` failed: " + read_text(errors_));
        }
        return ok;
    }

private:
    fs::path ip_, errors_;
};

/// The namespaces of one run, removed (with the veths and the bridge in them) when it goes.
class Namespaces {
public:
    explicit Namespaces(const IpTool& ip) : ip_(ip) {}
    ~Namespaces() {
        for (auto it = names_.rbegin(); it != names_.rend(); ++it) ip_.run({"netns", "del", *it}, true);
    }
    Namespaces(const Namespaces&) = delete;
    Namespaces& operator=(const Namespaces&) = delete;

    void add(const std::string& name) {
        ip_.run({"netns", "add", name});
        names_.push_back(name);
    }

private:
    const IpTool& ip_;
    std::vector<std::string> names_;
};

struct Child {
    pid_t pid = -1;
    int status = 0;
    bool done = false;
};

}  // namespace

void check_local_hosts_possible(std::size_t count) {
    const std::string what = "sm-train local --hosts " + std::to_string(count) + ": ";
#ifndef __linux__
    unavailable(what + "several hosts need Linux network namespaces");
#else
    if (::geteuid() != 0) {
        unavailable(what +
                    "several hosts run in network namespaces, which need root (CAP_SYS_ADMIN and "
                    "CAP_NET_ADMIN); sm-train runs as uid " +
                    std::to_string(::geteuid()));
    }
    if (find_ip(current_environ()).empty()) {
        unavailable(what + "several hosts need `ip` (Debian: iproute2) on PATH to make network namespaces");
    }
#endif
}

std::vector<int> run_local_hosts(const std::vector<LocalHost>& hosts, const fs::path& work,
                                 const Lifecycle& lifecycle, const Environ& environ,
                                 const std::optional<Interruption>& interruption, bool* interrupted) {
    const process::SignalBlock& signals = lifecycle.signals;
    check_local_hosts_possible(hosts.size());
    const IpTool ip(find_ip(environ), work / "ip.stderr");
    // Unique per run: several `sm-train local` may run at once.
    const std::string id = "smtl-" + std::to_string(::getpid());
    Namespaces namespaces(ip);
    const std::string hub = id + "-hub";
    namespaces.add(hub);
    ip.run({"-n", hub, "link", "add", "br0", "type", "bridge"});
    ip.run({"-n", hub, "link", "set", "br0", "up"});

    std::string hosts_file = "127.0.0.1 localhost\n::1 localhost\n";
    std::vector<std::string> netns;
    for (std::size_t k = 0; k < hosts.size(); ++k) {
        const std::string ns = id + "-" + std::to_string(k + 1);
        const std::string veth = "v" + std::to_string(k + 1);
        const std::string address = "10.250.0." + std::to_string(k + 1);
        namespaces.add(ns);
        netns.push_back(ns);
        ip.run({"-n", hub, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns});
        ip.run({"-n", hub, "link", "set", veth, "master", "br0"});
        ip.run({"-n", hub, "link", "set", veth, "up"});
        ip.run({"-n", ns, "addr", "add", address + "/24", "dev", "eth0"});
        ip.run({"-n", ns, "link", "set", "eth0", "up"});
        ip.run({"-n", ns, "link", "set", "lo", "up"});
        hosts_file += address + " " + hosts[k].name + "\n";
    }
    const fs::path hosts_path = work / "hosts";
    std::ofstream(hosts_path) << hosts_file;

    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) unavailable("sm-train local: cannot find sm-train itself (/proc/self/exe): " + ec.message());

    // Each host is sm-train itself, started by the one spawner in a network
    // namespace of its own, with its own hostname and /etc/hosts.
    std::vector<Child> children(hosts.size());
    auto kill_started = [&] {
        for (const auto& child : children) {
            if (child.pid > 0) ::kill(child.pid, SIGKILL);
        }
    };
    for (std::size_t k = 0; k < hosts.size(); ++k) {
        const fs::path ns_file = fs::path("/run/netns") / netns[k];
        const detail::UniqueFd ns_fd(::open(ns_file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!ns_fd.valid()) {
            kill_started();
            unavailable("sm-train local: cannot open " + ns_file.string() + ": " + std::strerror(errno));
        }
        detail::UniqueFd log_fd;
        if (!hosts[k].log.empty())
            log_fd.reset(::open(hosts[k].log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        Environ env = environ;
        env.erase("SM_STUDIO_LOCAL_MODE");
        env["SAGEMAKER_BASE_DIR"] = hosts[k].base.string();
        const process::HostIsolation isolation{ns_fd.get(), hosts[k].name, hosts_path};
        process::SpawnSpec spec;
        spec.program = self;
        spec.argv = {self.string(), "train"};
        spec.env = process::to_envp(env);
        spec.new_process_group = false;
        spec.stdout_fd = log_fd.get();
        spec.stderr_fd = log_fd.get();
        spec.isolation = &isolation;
        spec.child_mask = &signals.original_mask();
        try {
            children[k].pid = process::spawn(spec).pid;
        } catch (const process::SpawnError& e) {
            kill_started();
            unavailable(std::string("sm-train local: host ") + hosts[k].name + ": " + e.what());
        }
    }

    // Wait for every host; a stop signal goes to each (each sm-train passes it on).
    // The wait takes the stop signals itself, so the stop listener must not.
    std::vector<HostProcess> waited;
    for (const auto& child : children) waited.push_back({child.pid, 0, false});
    const bool sent = wait_for_host_processes(waited, lifecycle, interruption);
    if (interrupted) *interrupted = sent;
    for (std::size_t k = 0; k < children.size(); ++k) children[k].status = waited[k].status;
    std::vector<int> codes;
    for (const auto& child : children) codes.push_back(process::exit_code_of(child.status));
    return codes;
}

}  // namespace smtrain::launcher
