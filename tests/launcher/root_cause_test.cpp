// SPDX-License-Identifier: Apache-2.0
// The root cause and failure class of issue 21 on the launchers' own words:
// torchrun 1.13's ChildFailedError summary (the template of
// torch/distributed/elastic/multiprocessing/errors/__init__.py), Open MPI 4's
// abort reports, and fake cgroup v1/v2 trees for the OOM-kill count. The real
// jobs are tests/runners/root_cause_real.sh.
#include "launcher/lifecycle/root_cause.hpp"
#include "../support/temp_tree.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace smtrain::launcher;
using smtrain::runners::RunnerKind;
namespace fs = std::filesystem;

namespace {

// What torchrun prints on algo-1 when its local rank 0 got "Connection closed
// by peer" after algo-2's rank 1 failed: this host's root cause is the Gloo error.
const char* kTorchrunNoErrorFile = R"(Traceback (most recent call last):
  File "/opt/ml/code/train.py", line 7, in <module>
    dist.barrier()
RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:598] Connection closed by peer [192.168.77.2]:29500
ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 0 (pid: 4242) of binary: /usr/bin/python3
Traceback (most recent call last):
  File "/usr/bin/torchrun", line 33, in <module>
    sys.exit(load_entry_point('torch==1.13.1', 'console_scripts', 'torchrun')())
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
============================================================
train.py FAILED
------------------------------------------------------------
Failures:
  <NO_OTHER_FAILURES>
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_04:20:01
  host      : ip-192-168-77-1
  rank      : 0 (local_rank: 0)
  exitcode  : 1 (pid: 4242)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================
)";

const char* kTorchrunWithErrorFile =
    R"(ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 1 (pid: 77) of binary: /usr/bin/python3
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
============================================================
train.py FAILED
------------------------------------------------------------
Failures:
  <NO_OTHER_FAILURES>
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_04:20:01
  host      : ip-10-0-0-1
  rank      : 3 (local_rank: 1)
  exitcode  : 1 (pid: 77)
  error_file: /tmp/torchelastic_x/none_y/attempt_0/1/error.json
  traceback : Traceback (most recent call last):
    File "/usr/lib/python3/dist-packages/torch/distributed/elastic/multiprocessing/errors/__init__.py", line 346, in wrapper
      return f(*args, **kwargs)
    File "/opt/ml/code/train.py", line 10, in main
      raise KeyError("shard 17 has no labels")
  KeyError: 'shard 17 has no labels'

============================================================
)";

const char* kTorchrunSignal = R"(Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_04:20:01
  host      : ip-10-0-0-1
  rank      : 5 (local_rank: 1)
  exitcode  : -9 (pid: 77)
  error_file: <N/A>
  traceback : Signal 9 (SIGKILL) received by PID 77
============================================================
)";

const char* kMpirunExit = R"([1,mpirank:0,algo-1]<stderr>:rank 0 waiting
[1,mpirank:1,algo-2]<stderr>:rank 1 starting
[1,mpirank:1,algo-2]<stderr>:OSError: [Errno 5] Input/output error
-------------------------------------------------------
Primary job  terminated normally, but 1 process returned
a non-zero exit code. Per user-direction, the job has been aborted.
-------------------------------------------------------
--------------------------------------------------------------------------
mpirun detected that one or more processes exited with non-zero status, thus causing
the job to be terminated. The first process to do so was:

  Process name: [[43035,1],1]
  Exit code:    3
--------------------------------------------------------------------------
)";

const char* kMpirunSignal = R"([1,mpirank:2,algo-2]<stdout>:step 10
--------------------------------------------------------------------------
mpirun noticed that process rank 2 with PID 0 on node ip-10-0-0-2 exited on signal 9 (Killed).
--------------------------------------------------------------------------
)";

}  // namespace

TEST(RootCause, TorchrunWithoutErrorFileTakesTheWorkersOwnTracebackNotTorchruns) {
    const auto cause = find_root_cause(RunnerKind::TorchDistributed, kTorchrunNoErrorFile, "algo-1", 1, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(),
              "rank 0 (local rank 0) on algo-1 exited with code 1: RuntimeError: "
              "[../third_party/gloo/gloo/transport/tcp/pair.cc:598] Connection closed by peer "
              "[192.168.77.2]:29500");
    EXPECT_EQ(classify(cause->error, cause->exit_code, cause->signal, false),
              FailureClass::CollectiveFailure);
}

// Two local workers that both exit 1, as torchrun's summary lists them (the
// next test, and those below that tell them apart by torch's rank prefixes).
const std::string kTwoWorkersSummary = R"(============================================================
train.py FAILED
------------------------------------------------------------
Failures:
[1]:
  time      : 2026-12-07_04:30:24
  host      : sandbox
  rank      : 1 (local_rank: 1)
  exitcode  : 1 (pid: 78)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_04:30:24
  host      : sandbox
  rank      : 0 (local_rank: 0)
  exitcode  : 1 (pid: 77)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================
)";

// Two local workers, both exit 1, no error files: torchrun's "first observed"
// is a tie it breaks by rank; their shared stderr cannot say whose ValueError it is.
TEST(RootCause, TorchrunTwoFailuresWithoutErrorFilesNameTheErrorAndBothRanks) {
    const std::string text = std::string(R"(Traceback (most recent call last):
  File "/opt/ml/code/train.py", line 6, in <module>
    raise ValueError("rank one broke: bad shard 17")
ValueError: rank one broke: bad shard 17
Traceback (most recent call last):
  File "/opt/ml/code/train.py", line 7, in <module>
    dist.barrier()
RuntimeError: [./gloo/transport/tcp/pair.cc:598] Connection closed by peer [127.0.0.1]:2989
)") + kTwoWorkersSummary;
    const auto cause = find_root_cause(RunnerKind::TorchDistributed, text, "algo-1", 1, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(),
              "one of ranks 0 and 1 on algo-1 exited with code 1: ValueError: rank one broke: "
              "bad shard 17");
}

// Seen in CI: rank 1 called os._exit(3) while rank 0 waited in a barrier; both
// ended within the same second and torchrun named rank 0 (whose barrier broke)
// as the first observed failure.
TEST(RootCause, TorchrunOwnExitCodeBeatsAPeersBrokenBarrierListedFirst) {
    const char* tail =
        R"(RuntimeError: [./gloo/transport/tcp/pair.cc:598] Connection closed by peer [127.0.0.1]:54924
ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 0 (pid: 31196) of binary: /usr/bin/python3.11
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
============================================================
train.py FAILED
------------------------------------------------------------
Failures:
[1]:
  time      : 2026-12-07_05:40:22
  host      : localhost
  rank      : 1 (local_rank: 1)
  exitcode  : 3 (pid: 31197)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_05:40:22
  host      : localhost
  rank      : 0 (local_rank: 0)
  exitcode  : 1 (pid: 31196)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================
)";
    auto cause = find_root_cause(RunnerKind::TorchDistributed, tail, "algo-1", 1, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(), "rank 1 (local rank 1) on algo-1 exited with code 3");
}

// torchrun 1.13's own traceback and summary after a failure, from a real run
// (tests/runners/root_cause_real.sh, torch_exit3), as the tests below end.
const std::string kTorchrunOwnTraceback = R"(Traceback (most recent call last):
  File "/usr/bin/torchrun", line 33, in <module>
    sys.exit(load_entry_point('torch==1.13.0a0+gitunknown', 'console_scripts', 'torchrun')())
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/torch/distributed/elastic/multiprocessing/errors/__init__.py", line 346, in wrapper
    return f(*args, **kwargs)
           ^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/torch/distributed/run.py", line 762, in main
    run(args)
  File "/usr/lib/python3/dist-packages/torch/distributed/run.py", line 753, in run
    elastic_launch(
  File "/usr/lib/python3/dist-packages/torch/distributed/launcher/api.py", line 132, in __call__
    return launch_agent(self._config, self._entrypoint, list(args))
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/torch/distributed/launcher/api.py", line 246, in launch_agent
    raise ChildFailedError(
torch.distributed.elastic.multiprocessing.errors.ChildFailedError: 
============================================================
train.py FAILED
------------------------------------------------------------
)";

// One host, two workers sharing torchrun's stderr (real run, torch 1.13):
// rank 1 wrote its OSError and called os._exit(3); rank 0's barrier broke
// (Gloo's "Connection closed by peer", exit 1), and torchrun named rank 0 the
// first observed failure. The one error that is not a collective one is rank
// 1's: rank 0's exit 1 is its Gloo traceback's.
TEST(RootCause, TorchrunSharedStderrGivesTheOneOwnErrorToTheRankThatFailedOnItsOwn) {
    const std::string tail = R"(WARNING:torch.distributed.run:
*****************************************
Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed. 
*****************************************
rank 1: giving up on the data loader
OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'
Traceback (most recent call last):
  File "/tmp/torcherr-runs/root-cause.oz8Ux7/torch_exit3/opt/ml/code/train.py", line 9, in <module>
    dist.barrier()
  File "/usr/lib/python3/dist-packages/torch/distributed/distributed_c10d.py", line 3152, in barrier
    work.wait()
RuntimeError: [./gloo/transport/tcp/pair.cc:598] Connection closed by peer [127.0.0.1]:52640
ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 0 (pid: 2678) of binary: /usr/bin/python3.11
)" + kTorchrunOwnTraceback + R"(Failures:
[1]:
  time      : 2026-12-07_20:30:04
  host      : localhost
  rank      : 1 (local_rank: 1)
  exitcode  : 3 (pid: 2679)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_20:30:04
  host      : localhost
  rank      : 0 (local_rank: 0)
  exitcode  : 1 (pid: 2678)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================
)";
    const std::string expected =
        "rank 1 (local rank 1) on algo-1 exited with code 3: OSError: [Errno 5] Input/output error: "
        "'/opt/ml/input/data/train/part-17'";
    const auto cause = find_root_cause(RunnerKind::TorchDistributed, tail, "algo-1", 1, 0, 2);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(), expected);
    // The diagnostics file's ranks (the summary's root cause first): each its own error.
    const auto failures = torchrun_failures(tail, "algo-1", 2);
    ASSERT_EQ(failures.size(), 2u);
    EXPECT_EQ(failures[0].to_string(), "rank 0 (local rank 0) on algo-1 exited with code 1");
    EXPECT_EQ(failures[1].to_string(), expected);
}

// algo-2 of a job of two hosts runs one worker (--nproc_per_node 1): every line
// of its stderr that is not torchrun's own is that worker's (real run, torch
// 1.13: rank 1 wrote an OSError and called os._exit(3)).
TEST(RootCause, TorchrunHostWithOneWorkerGivesItItsOwnLines) {
    const std::string tail =
        "OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'\n"
        "ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 3) local_rank: 0 (pid: 17240) "
        "of "
        "binary: /usr/bin/python3.11\n" +
        kTorchrunOwnTraceback + R"(Failures:
  <NO_OTHER_FAILURES>
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_20:35:08
  host      : algo-2
  rank      : 1 (local_rank: 0)
  exitcode  : 3 (pid: 17240)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================
)";
    const std::string expected =
        "rank 1 (local rank 0) on algo-2 exited with code 3: OSError: [Errno 5] Input/output error: "
        "'/opt/ml/input/data/train/part-17'";
    auto cause = find_root_cause(RunnerKind::TorchDistributed, tail, "algo-2", 1, 0, 1);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(), expected);
    // Its last line when it wrote no exception: still its own, with one worker.
    std::string plain = tail;
    plain.replace(0, plain.find('\n'), "rank 1: giving up on the data loader");
    cause = find_root_cause(RunnerKind::TorchDistributed, plain, "algo-2", 1, 0, 1);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(),
              "rank 1 (local rank 0) on algo-2 exited with code 3: rank 1: giving up on the data loader");
    // With workers it cannot count, a line that is no error is no one's.
    cause = find_root_cause(RunnerKind::TorchDistributed, plain, "algo-2", 1, 0, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(), "rank 1 (local rank 0) on algo-2 exited with code 3");
}

// torch 2.x's excepthook's `[rankN]:` lines and its log prefix, before that summary.
const std::string kExcepthookTwoWorkers = std::string(
                                              R"(W1207 04:30:20.123000 70 torch/distributed/run.py:793] 
W1207 04:30:20.123000 70 torch/distributed/run.py:793] *****************************************
W1207 04:30:20.123000 70 torch/distributed/run.py:793] Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed. 
W1207 04:30:20.123000 70 torch/distributed/run.py:793] *****************************************
[rank1]: Traceback (most recent call last):
[rank1]:   File "/opt/ml/code/train.py", line 6, in <module>
[rank1]:     raise ValueError("rank one broke: bad shard 17")
[rank1]: ValueError: rank one broke: bad shard 17
[rank0]: Traceback (most recent call last):
[rank0]:   File "/opt/ml/code/train.py", line 7, in <module>
[rank0]:     dist.barrier()
[rank0]: torch.distributed.DistBackendError: [../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection closed by peer [127.0.0.1]:2989
E1207 04:30:24.456000 70 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: 1) local_rank: 0 (pid: 77) of binary: /usr/bin/python3
)") + kTwoWorkersSummary;

// torchrun --tee's `[defaultN]:` lines (local rank N), before that summary.
const std::string kTeeTwoWorkers = std::string(R"([default1]:Traceback (most recent call last):
[default1]:  File "/opt/ml/code/train.py", line 6, in <module>
[default1]:    raise ValueError("rank one broke: bad shard 17")
[default1]:ValueError: rank one broke: bad shard 17
[default0]:Traceback (most recent call last):
[default0]:  File "/opt/ml/code/train.py", line 7, in <module>
[default0]:    dist.barrier()
[default0]:RuntimeError: [./gloo/transport/tcp/pair.cc:598] Connection closed by peer [127.0.0.1]:2989
)") + kTwoWorkersSummary;

// torch 2.x's excepthook (pytorch #118190, #126739: `[rank0]: Traceback ...`)
// tags an uncaught exception's lines with the global rank, and torchrun's
// --tee (and torch 2.x's log prefix) tags every line of local rank N with
// `[defaultN]:`: the two workers that both exit 1 are told apart, which their
// untagged tracebacks under torch 1.13 are not (the test above it).
TEST(RootCause, TorchRankPrefixesTellTheWorkersApart) {
    const std::string expected =
        "rank 1 (local rank 1) on algo-1 exited with code 1: ValueError: rank one broke: bad shard 17";
    auto cause = find_root_cause(RunnerKind::TorchDistributed, kExcepthookTwoWorkers, "algo-1", 1, 0, 2);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(), expected);

    cause = find_root_cause(RunnerKind::TorchDistributed, kTeeTwoWorkers, "algo-1", 1, 0, 2);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(), expected);

    // A worker torchrun stopped (SIGTERM) after another's failure: its last
    // line is its own, but it did not fail first.
    const std::string stopped = R"([default0]:step 10
[default1]:rank 1: giving up on the data loader
============================================================
train.py FAILED
------------------------------------------------------------
Failures:
[1]:
  time      : 2026-12-07_04:30:24
  host      : sandbox
  rank      : 0 (local_rank: 0)
  exitcode  : -15 (pid: 77)
  error_file: <N/A>
  traceback : Signal 15 (SIGTERM) received by PID 77
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_04:30:24
  host      : sandbox
  rank      : 1 (local_rank: 1)
  exitcode  : 3 (pid: 78)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================
)";
    cause = find_root_cause(RunnerKind::TorchDistributed, stopped, "algo-1", 1, 0, 2);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(),
              "rank 1 (local rank 1) on algo-1 exited with code 3: rank 1: giving up on the data loader");
    // The same when the failed worker wrote nothing: the stopped one's line is not the cause.
    std::string silent = stopped;
    silent.erase(silent.find("[default1]:"), silent.find("=====") - silent.find("[default1]:"));
    cause = find_root_cause(RunnerKind::TorchDistributed, silent, "algo-1", 1, 0, 2);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(), "rank 1 (local rank 1) on algo-1 exited with code 3");
}

// The error texts of a collective, each as its source writes it:
// - torch's C10D_NCCL_CHECK (torch/csrc/distributed/c10d/NCCLUtils.hpp):
//   "NCCL error in: <file>:<line>, " + ncclGetErrorString(result) + ", NCCL
//   version " + the version, then a line of getNcclErrorDetailStr
//   (NCCLUtils.cpp): "ncclUnhandledCudaError: Call to CUDA function failed.",
//   "ncclRemoteError: A call failed possibly due to a network error or a
//   remote process exiting prematurely.", ...;
// - NCCL's ncclGetErrorString (NVIDIA/nccl src/init.cc): "unhandled cuda error
//   (run with NCCL_DEBUG=INFO for details)", "remote process exited or there
//   was a network error", ...; NCCL's checks.h: "Cuda failure '%s'".
const std::string kNcclUnhandledCuda =
    "torch.distributed.DistBackendError: NCCL error in: "
    "../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1275, "
    "unhandled cuda error (run with NCCL_DEBUG=INFO for details), NCCL version 2.18.1";
const std::string kNcclRemote =
    "torch.distributed.DistBackendError: NCCL error in: "
    "../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1275, "
    "remote process exited or there was a network error, NCCL version 2.18.1";
const std::string kNcclRemoteDetail =
    "ncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely.";

// Four workers on one host, torch 2.x's `[rankN]:` prefixes: rank 1's own NCCL
// call failed in CUDA; ranks 0 and 2 then saw their peer gone or their
// communicator aborted, and rank 3's watchdog timed out (SIGABRT); torchrun's
// "first observed" is rank 0 (whole-second times). Before the split of
// NCCL/Gloo errors (any NCCL text was a consequence) rank 0 was named.
TEST(RootCause, TorchrunRankWithItsOwnNcclErrorIsNamedBeforeItsPeersConsequences) {
    const auto block = [](int index, int rank, const char* exitcode) {
        return "[" + std::to_string(index) + "]:\n  time      : 2026-12-07_04:30:24\n  host      : algo-1\n" +
               "  rank      : " + std::to_string(rank) + " (local_rank: " + std::to_string(rank) + ")\n" +
               "  exitcode  : " + exitcode + " (pid: " + std::to_string(70 + rank) + ")\n" +
               "  error_file: <N/A>\n"
               "  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html\n";
    };
    const std::string tail =
        "[rank1]: Traceback (most recent call last):\n"
        "[rank1]:   File \"/opt/ml/code/train.py\", line 9, in <module>\n"
        "[rank1]:     dist.all_reduce(t)\n"
        "[rank1]: " +
        kNcclUnhandledCuda +
        "\n"
        "[rank1]: ncclUnhandledCudaError: Call to CUDA function failed.\n"
        // NCCLUtils.cpp's "\nLast error:\n" + ncclGetLastError() (NCCL's checks.h WARN).
        "[rank1]: Last error:\n"
        "[rank1]: Cuda failure 'invalid argument'\n"
        "[rank0]: Traceback (most recent call last):\n"
        "[rank0]:   File \"/opt/ml/code/train.py\", line 9, in <module>\n"
        "[rank0]:     dist.all_reduce(t)\n"
        "[rank0]: " +
        kNcclRemote +
        "\n"
        "[rank0]: " +
        kNcclRemoteDetail +
        "\n"
        "[rank2]: Traceback (most recent call last):\n"
        "[rank2]:   File \"/opt/ml/code/train.py\", line 9, in <module>\n"
        "[rank2]:     dist.all_reduce(t)\n"
        "[rank2]: torch.distributed.DistBackendError: NCCL communicator was aborted on rank 2. \n"
        // torch 2.x's watchdog (ProcessGroupNCCL.cpp) as its log prefix writes it; it then aborts (-6).
        "[rank3]:[E1207 04:30:23.123456 ProcessGroupNCCL.cpp:1316] [PG 0 Rank 3] Process group watchdog "
        "thread terminated with exception: [Rank 3] Watchdog caught collective operation timeout: "
        "WorkNCCL(SeqNum=2, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600042 "
        "milliseconds before timing out.\n"
        "============================================================\n"
        "train.py FAILED\n"
        "------------------------------------------------------------\n"
        "Failures:\n" +
        block(1, 1, "1") + block(2, 2, "1") + block(3, 3, "-6") +
        "------------------------------------------------------------\n"
        "Root Cause (first observed failure):\n" +
        block(0, 0, "1") + "============================================================\n";
    auto cause = find_root_cause(RunnerKind::TorchDistributed, tail, "algo-1", 1, 0, 4);
    ASSERT_TRUE(cause);
    cause->failure_class = classify(cause->error, cause->exit_code, cause->signal, false);
    EXPECT_EQ(cause->to_string(),
              "NCCL/Gloo error: rank 1 (local rank 1) on algo-1 exited with code 1: ncclUnhandledCudaError: "
              "Call to CUDA function failed.");
    // Every other failure's own error is a consequence.
    const auto failures = torchrun_failures(tail, "algo-1", 4);
    ASSERT_EQ(failures.size(), 4u);
    for (const auto& f : failures) {
        if (f.rank == 1) continue;
        EXPECT_EQ(classify(f.error, f.exit_code, f.signal, false), FailureClass::CollectiveFailure)
            << f.error;
    }
}

// Each worker of torchrun's summary gets its own last lines where the output
// tells the workers apart, by the rules that give it its error line.
TEST(RootCause, TorchrunFailuresGetTheirOwnLastLinesWhereTheOutputTellsThemApart) {
    // A host with one worker (--nproc_per_node 1): torch 1.13's output of a real
    // run (torchrun --nnodes 1 --nproc_per_node 1 train.py; the worker wrote a
    // line to stderr, one to stdout, which torchrun's stderr lacks, and raised).
    const std::string one_worker = R"(rank 0: loading shard 17
Traceback (most recent call last):
  File "/tmp/wt-diag-real/train.py", line 6, in <module>
    raise ValueError("shard 17 has no labels")
ValueError: shard 17 has no labels
ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 0 (pid: 1360) of binary: /usr/bin/python3.11
)" + kTorchrunOwnTraceback + R"(Failures:
  <NO_OTHER_FAILURES>
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_23:21:01
  host      : localhost
  rank      : 0 (local_rank: 0)
  exitcode  : 1 (pid: 1360)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================
)";
    auto failures = torchrun_failures(one_worker, "algo-1", 1);
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].last_lines,
              (std::vector<std::string>{"rank 0: loading shard 17", "Traceback (most recent call last):",
                                        "  File \"/tmp/wt-diag-real/train.py\", line 6, in <module>",
                                        "    raise ValueError(\"shard 17 has no labels\")",
                                        "ValueError: shard 17 has no labels"}));
    EXPECT_EQ(failures[0].lines_from, "the lines of the host's only worker");
    EXPECT_EQ(failures[0].error, "ValueError: shard 17 has no labels");
    // Workers it cannot count: the lines are no one's.
    failures = torchrun_failures(one_worker, "algo-1", 0);
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_TRUE(failures[0].last_lines.empty());
    EXPECT_EQ(failures[0].lines_from, "");

    // torch 2.x's `[rankN]:` and --tee's `[defaultN]:` prefixes: each worker's
    // own lines, the prefix removed, torchrun's log lines no one's.
    for (const std::string& tail : {kExcepthookTwoWorkers, kTeeTwoWorkers}) {
        const bool tee = &tail == &kTeeTwoWorkers;
        failures = torchrun_failures(tail, "algo-1", 2);
        ASSERT_EQ(failures.size(), 2u);
        EXPECT_EQ(failures[0].rank, 0);
        EXPECT_EQ(failures[0].lines_from, "its rank-prefixed lines");
        EXPECT_EQ(failures[1].lines_from, "its rank-prefixed lines");
        const std::string indent = tee ? "" : " ";  // the excepthook's prefix is "[rankN]: "
        EXPECT_EQ(failures[1].last_lines,
                  (std::vector<std::string>{"Traceback (most recent call last):",
                                            indent + " File \"/opt/ml/code/train.py\", line 6, in <module>",
                                            indent + "   raise ValueError(\"rank one broke: bad shard 17\")",
                                            "ValueError: rank one broke: bad shard 17"}));
        ASSERT_EQ(failures[0].last_lines.size(), 4u);
        EXPECT_EQ(failures[0].last_lines[2], indent + "   dist.barrier()");
    }

    // Two workers sharing torch 1.13's untagged stderr: rank 1's error is
    // known (the one that is not a collective one), but not whose lines are whose.
    const std::string shared = R"(rank 1: giving up on the data loader
OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'
)" + kTorchrunOwnTraceback + R"(Failures:
[1]:
  time      : 2026-12-07_20:30:04
  host      : localhost
  rank      : 1 (local_rank: 1)
  exitcode  : 3 (pid: 2679)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-07_20:30:04
  host      : localhost
  rank      : 0 (local_rank: 0)
  exitcode  : -15 (pid: 2678)
  error_file: <N/A>
  traceback : Signal 15 (SIGTERM) received by PID 2678
============================================================
)";
    failures = torchrun_failures(shared, "algo-1", 2);
    ASSERT_EQ(failures.size(), 2u);
    EXPECT_EQ(failures[1].error, "OSError: [Errno 5] Input/output error: '/opt/ml/input/data/train/part-17'");
    EXPECT_TRUE(failures[0].last_lines.empty());
    EXPECT_TRUE(failures[1].last_lines.empty());

    // Bounded as MPI ranks' lines are: the last 20, each cut at 512 bytes.
    std::string many;
    for (int i = 1; i <= 30; ++i) many += "[rank0]: step " + std::to_string(i) + "\n";
    many += "[rank0]: " + std::string(600, 'x') + "\n";
    failures = torchrun_failures(many + kTwoWorkersSummary, "algo-1", 2);
    ASSERT_EQ(failures.size(), 2u);
    ASSERT_EQ(failures[0].last_lines.size(), 20u);
    EXPECT_EQ(failures[0].last_lines.front(), "step 12");
    EXPECT_EQ(failures[0].last_lines.back(), std::string(512, 'x'));
    EXPECT_TRUE(failures[1].last_lines.empty());
}

TEST(RootCause, TorchrunLocalWorkersFromItsCommandLine) {
    EXPECT_EQ(torchrun_local_workers({"torchrun", "--nnodes", "2", "--nproc_per_node", "1", "train.py"}), 1);
    EXPECT_EQ(torchrun_local_workers({"torchrun", "--nnodes=1", "--nproc_per_node=8", "train.py"}), 8);
    EXPECT_EQ(torchrun_local_workers({"torchrun", "--nproc-per-node", "4", "train.py"}), 4);
    EXPECT_EQ(torchrun_local_workers({"torchrun", "--nproc_per_node", "gpu", "train.py"}), 0);
    EXPECT_EQ(torchrun_local_workers({"torchrun", "train.py"}), 0);
}

TEST(RootCause, TorchrunErrorFileGivesTheExceptionOfTheFirstFailure) {
    const auto cause = find_root_cause(RunnerKind::TorchDistributed, kTorchrunWithErrorFile, "algo-2", 1, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->rank, 3);
    EXPECT_EQ(cause->local_rank, 1);
    EXPECT_EQ(cause->to_string(),
              "rank 3 (local rank 1) on algo-2 exited with code 1: KeyError: 'shard 17 has no labels'");
}

// Every worker of torchrun's summary, for the diagnostics file's ranks: the
// root cause first, then the other failures, each with its own exit.
TEST(RootCause, TorchrunFailuresListEveryWorkerOfTheSummary) {
    auto failures = torchrun_failures(kTorchrunWithErrorFile, "algo-2");
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].to_string(),
              "rank 3 (local rank 1) on algo-2 exited with code 1: KeyError: 'shard 17 has no labels'");
    failures = torchrun_failures(kTorchrunSignal, "algo-1");
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].to_string(), "rank 5 (local rank 1) on algo-1 was killed by SIGKILL");
    EXPECT_EQ(failures[0].exit_code, 137);
    EXPECT_TRUE(torchrun_failures("Traceback (most recent call last):\nValueError: x\n", "algo-1").empty());
}

TEST(RootCause, TorchrunWorkerKilledBySignal) {
    auto cause = find_root_cause(RunnerKind::TorchDistributed, kTorchrunSignal, "algo-1", 1, 0);
    ASSERT_TRUE(cause);
    cause->failure_class = classify(cause->error, cause->exit_code, cause->signal, false);
    EXPECT_EQ(cause->to_string(),
              "Killed by a signal: rank 5 (local rank 1) on algo-1 was killed by SIGKILL");
    cause->failure_class = classify(cause->error, cause->exit_code, cause->signal, true);
    EXPECT_EQ(cause->failure_class, FailureClass::HostOutOfMemory);
}

TEST(RootCause, MpirunFirstProcessAndItsOwnTaggedLines) {
    const auto cause = find_root_cause(RunnerKind::Mpi, kMpirunExit, "algo-1", 3, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(),
              "rank 1 on algo-2 exited with code 3: OSError: [Errno 5] Input/output error");
}

// Open MPI 4.1 tags a line's end fragment apart ("text[1,1]<stderr>:", as
// seen with `python3 -m mpi4py` where mpi4py is missing): the tag is not part
// of the rank's error line.
TEST(RootCause, MpirunTrailingTagFragmentIsNotPartOfTheError) {
    const std::string tail =
        "[1,mpirank:1,algo-1]<stderr>:/usr/bin/python3: No module named mpi4py[1,mpirank:1,algo-1]<stderr>:\n"
        "--------------------------------------------------------------------------\n"
        "mpirun detected that one or more processes exited with non-zero status, thus causing\n"
        "the job to be terminated. The first process to do so was:\n\n"
        "  Process name: [[46285,1],1]\n  Exit code:    1\n";
    const auto cause = find_root_cause(RunnerKind::Mpi, tail, "algo-1", 1, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(),
              "rank 1 on algo-1 exited with code 1: /usr/bin/python3: No module named mpi4py");
}

// `python3 -m mpi4py` calls MPI_Abort on an uncaught exception: mpirun names the
// aborting rank, no "first process". Captured from mpi_local_two_hosts.sh raise
// (Open MPI 4.1); the cause was "the program on algo-1 exited with code 1:
// exactly when Open MPI kills them." before.
TEST(RootCause, MpiAbortNamesTheAbortingRankAndItsError) {
    const std::string tail =
        "[1,mpirank:0,algo-1]<stdout>:rank 0 of 4 on algo-1: started[1,mpirank:1,algo-1]<stdout>:\n"
        "[1,mpirank:3,algo-2]<stderr>:Traceback (most recent call last):\n"
        "[1,mpirank:3,algo-2]<stderr>:  File \"train.py\", line 10, in <module>\n"
        "[1,mpirank:3,algo-2]<stderr>:    raise ValueError(\"rank three broke: bad shard 17\")\n"
        "[1,mpirank:3,algo-2]<stderr>:ValueError: rank three broke: bad shard 17\n"
        "--------------------------------------------------------------------------\n"
        "MPI_ABORT was invoked on rank 3 in communicator MPI_COMM_WORLD\n"
        "with errorcode 1.\n\n"
        "NOTE: invoking MPI_ABORT causes Open MPI to kill all MPI processes.\n"
        "You may or may not see output from other processes, depending on\n"
        "exactly when Open MPI kills them.\n"
        "--------------------------------------------------------------------------\n";
    const auto cause = find_root_cause(RunnerKind::Mpi, tail, "algo-1", 1, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(),
              "rank 3 on algo-2 exited with code 1: ValueError: rank three broke: bad shard 17");
}

// The same, with the exception line in three pieces, each tagged (seen in 1 of 4
// runs of mpi_local_two_hosts.sh raise): the tags inside it are not its text.
TEST(RootCause, MpirunTagsInsideARanksLineAreNotPartOfTheError) {
    const std::string tail =
        "[1,mpirank:3,algo-2]<stderr>:ValueError[1,mpirank:3,algo-2]<stderr>:: "
        "[1,mpirank:3,algo-2]<stderr>:rank three broke: bad shard 17\n"
        "MPI_ABORT was invoked on rank 3 in communicator MPI_COMM_WORLD\n"
        "with errorcode 1.\n";
    const auto cause = find_root_cause(RunnerKind::Mpi, tail, "algo-1", 1, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(),
              "rank 3 on algo-2 exited with code 1: ValueError: rank three broke: bad shard 17");
}

TEST(RootCause, MpirunRankKilledBySignalOnAnotherHost) {
    const auto cause = find_root_cause(RunnerKind::SmDataParallel, kMpirunSignal, "algo-1", 137, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(cause->to_string(), "rank 2 on algo-2 was killed by SIGKILL");
}

TEST(RootCause, PlainProgramsLastExceptionLine) {
    const auto cause =
        find_root_cause(RunnerKind::Process,
                        "loading\nTraceback (most recent call last):\n  File \"t.py\", line 1\n"
                        "FileNotFoundError: [Errno 2] No such file or directory: '/opt/ml/x'\n",
                        "algo-1", 1, 0);
    ASSERT_TRUE(cause);
    EXPECT_EQ(classify(cause->error, 1, 0, false), FailureClass::MissingFile);
    EXPECT_EQ(
        cause->to_string(),
        "the program on algo-1 exited with code 1: FileNotFoundError: [Errno 2] No such file or directory: "
        "'/opt/ml/x'");
}

TEST(FailureClass, EachClassFromItsOwnWords) {
    EXPECT_EQ(
        classify("torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB", 1, 0, false),
        FailureClass::GpuOutOfMemory);
    EXPECT_EQ(classify("OSError: [Errno 28] No space left on device", 1, 0, false), FailureClass::NoSpace);
    EXPECT_EQ(classify("ModuleNotFoundError: No module named 'x'", 1, 0, false), FailureClass::ImportError);
    EXPECT_EQ(classify("RuntimeError: NCCL communicator was aborted", 1, 0, false),
              FailureClass::CollectiveFailure);
    EXPECT_EQ(classify("", 137, 0, false), FailureClass::Unknown) << "137 alone is not an OOM, nor a signal";
    EXPECT_EQ(classify("", 137, SIGKILL, false), FailureClass::Signal) << "SIGKILL alone is not an OOM";
    EXPECT_EQ(classify("", 255, 0, false), FailureClass::Unknown) << "mpirun's 255 is no signal";
    EXPECT_EQ(classify("", 137, 0, true), FailureClass::HostOutOfMemory);
    EXPECT_EQ(classify("ValueError: bad shard", 1, 0, true), FailureClass::Unknown)
        << "not killed: not an OOM";
    EXPECT_EQ(class_name(FailureClass::Unknown), "");
}

// What NCCL, Gloo and torch write when another rank failed: a consequence.
TEST(FailureClass, AnotherRanksFailureInNcclOrGlooIsACollectiveConsequence) {
    const std::vector<std::string> consequences = {
        kNcclRemote,
        kNcclRemoteDetail,
        // torch's getNcclErrorDetailStr for ncclSystemError built against an NCCL
        // without ncclRemoteError (< 2.12), when a peer's exit was a system error.
        "ncclSystemError: System call (e.g. socket, malloc) or external library call failed or device "
        "error. It can be also caused by unexpected exit of a remote peer.",
        // NCCL's misc/socket.cc socketProgress WARN, as torch's "Last error:" quotes it.
        "NCCL WARN socketProgress: Connection closed by remote peer algo-2<43822>",
        // Gloo's tcp/pair.cc (GLOO_ERROR_MSG's "[file:line] "): EOF, and a read's ECONNRESET.
        "RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:598] Connection closed by peer "
        "[192.168.77.2]:29500",
        "RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:589] Read error "
        "[127.0.0.1]:50132: Connection reset by peer",
        // Gloo's tcp/unbound_buffer.cc on a collective's timeout.
        "RuntimeError: [../third_party/gloo/gloo/transport/tcp/unbound_buffer.cc:78] Timed out waiting "
        "1800000ms for recv operation to complete",
        // torch's NCCLComm::getNcclComm (NCCLUtils) once the watchdog aborted it.
        "torch.distributed.DistBackendError: NCCL communicator was aborted on rank 2. ",
        "RuntimeError: NCCL communicator was aborted",
        // torch's ProcessGroupNCCL watchdog (and torch 2.x's wrapping of it).
        "RuntimeError: [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1, "
        "OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 1800126 milliseconds before timing out.",
        "[PG 0 Rank 1] Process group watchdog thread terminated with exception: [Rank 1] Watchdog caught "
        "collective operation timeout: WorkNCCL(SeqNum=1, OpType=ALLREDUCE, NumelIn=1048576, "
        "NumelOut=1048576, Timeout(ms)=120000) ran for 120092 milliseconds before timing out.",
    };
    for (const std::string& text : consequences) {
        EXPECT_EQ(classify(text, 1, 0, false), FailureClass::CollectiveFailure) << text;
    }
    EXPECT_EQ(class_name(FailureClass::CollectiveFailure), "Collective failure (NCCL/Gloo)");
}

// An error of NCCL's or Gloo's in the rank itself is its own failure, not a
// consequence; a peer's words without NCCL's or Gloo's are no collective's.
TEST(FailureClass, AnNcclOrGlooErrorOfTheRanksOwnIsNotAConsequence) {
    const std::vector<std::string> own = {
        kNcclUnhandledCuda,
        "ncclUnhandledCudaError: Call to CUDA function failed.",
        // The other results of NCCL's ncclGetErrorString, and torch's detail lines for them.
        "RuntimeError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1191, invalid "
        "usage (run with NCCL_DEBUG=WARN for details), NCCL version 2.14.3",
        "ncclInvalidUsage: This usually reflects invalid usage of NCCL library.",
        "RuntimeError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1191, invalid "
        "argument (run with NCCL_DEBUG=WARN for details), NCCL version 2.14.3",
        "ncclInvalidArgument: Invalid value for an argument.",
        "RuntimeError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1191, internal "
        "error - please report this issue to the NCCL developers, NCCL version 2.14.3",
        "ncclInternalError: Internal check failed.",
        // ncclSystemError from an NCCL that has ncclRemoteError: a system call of its own failed.
        "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/"
        "ProcessGroupNCCL.cpp:1275, unhandled system error (run with NCCL_DEBUG=INFO for details), NCCL "
        "version 2.18.1",
        "ncclSystemError: System call (e.g. socket, malloc) or external library call failed or device "
        "error. ",
        // A CUDA error the watchdog met on this rank's own stream (torch 2.x's log line, its
        // `[rank1]:` prefix removed; ProcessGroupNCCL.cpp's words).
        "[E409 05:10:01.930967482 ProcessGroupNCCL.cpp:1595] [PG ID 0 PG GUID 0(default_pg) Rank 1] Process "
        "group watchdog thread terminated with exception: CUDA error: an illegal memory access was "
        "encountered",
        // Gloo's own check of a message (GLOO_ENFORCE).
        "RuntimeError: [enforce fail at ../third_party/gloo/gloo/transport/tcp/pair.cc:446] "
        "op.preamble.length <= op.nbytes. 8 vs 4",
    };
    for (const std::string& text : own) {
        EXPECT_EQ(classify(text, 1, 0, false), FailureClass::CollectiveError) << text;
    }
    EXPECT_EQ(class_name(FailureClass::CollectiveError), "NCCL/Gloo error");
    EXPECT_EQ(classify("ConnectionResetError: [Errno 104] Connection reset by peer", 1, 0, false),
              FailureClass::Unknown)
        << "an S3 download's reset is not a collective's";
    EXPECT_EQ(classify("torch.cuda.OutOfMemoryError: CUDA out of memory. (NCCL)", 1, 0, false),
              FailureClass::GpuOutOfMemory);
}

TEST(FailureClass, OomKillCountFromCgroupV1AndV2) {
    const smtrain::testing::TempDir tmp;
    const fs::path& dir = tmp.path();
    fs::create_directories(dir / "root" / "memory" / "job" / "a");
    fs::create_directories(dir / "root" / "job" / "b");
    std::ofstream(dir / "v1") << "9:pids:/\n4:memory:/job/a\n0::/\n";
    std::ofstream(dir / "root" / "memory" / "job" / "a" / "memory.oom_control")
        << "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
    std::ofstream(dir / "v2") << "0::/job/b\n";
    std::ofstream(dir / "root" / "job" / "b" / "memory.events")
        << "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\n";
    EXPECT_EQ(oom_kill_count(dir / "v1", dir / "root"), 3u);
    EXPECT_EQ(oom_kill_count(dir / "v2", dir / "root"), 2u);
    EXPECT_EQ(oom_kill_count(dir / "none", dir / "root"), std::nullopt);
}
