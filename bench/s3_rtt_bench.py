#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The three S3 workloads for sm-train, aws-cli and s3transfer (1 worker), run
by bench/s3_rtt_bench.sh inside the client network namespace. Prints one table:
medians of RUNS runs (wall seconds, CPU seconds of the client process tree),
and the ratios of each peer to sm-train (> 1: sm-train is faster).

    s3_rtt_bench.py BUILD_DIR SINK_ENDPOINT CODE_ENDPOINT WORK RUNS
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

build, sink, code_endpoint, work, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
here = os.path.dirname(os.path.abspath(__file__))


def timed(argv, env=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def env_for(endpoint):
    e = dict(os.environ, S3_ENDPOINT_URL=endpoint)
    return e


def make_small(d):
    os.makedirs(d)
    for i in range(500):
        with open(os.path.join(d, "f%03d.bin" % i), "wb") as f:
            f.write(os.urandom(64 << 10))


def make_big(d):
    os.makedirs(d)
    with open(os.path.join(d, "big.bin"), "wb") as f:
        for _ in range(512):
            f.write(os.urandom(1 << 20))


def upload_runs(kind, source, n):
    results = {"sm-train": [], "aws s3 cp": [], "s3transfer x1": []}
    for r in range(n):
        tag = "%s-%d" % (kind, r)
        # sm-train: the intermediate sync (s3_bench moves the copy in and waits for finish()).
        copy = os.path.join(work, "copy-" + tag)
        shutil.copytree(source, copy)
        wd = os.path.join(work, "wd-" + tag)
        results["sm-train"].append(timed([os.path.join(build, "bench/s3_bench"), sink, "bench", copy, wd],
                                         env_for(sink)))
        shutil.rmtree(wd)
        results["aws s3 cp"].append(timed(["aws", "--endpoint-url", sink, "s3", "cp", "--recursive", "--quiet",
                                           source, "s3://bench/aws-" + tag + "/"]))
        results["s3transfer x1"].append(timed([sys.executable, os.path.join(here, "s3transfer_one_worker.py"),
                                               "upload", sink, "bench", "s3t-" + tag, source]))
    return results


def download_runs(n):
    results = {"sm-train": [], "aws s3 cp": [], "s3transfer x1": []}
    url = "s3://code/sourcedir.tar.gz"
    for r in range(n):
        dest = os.path.join(work, "code-%d" % r)
        results["sm-train"].append(timed([os.path.join(build, "bench/s3_code_bench"), url, dest],
                                         env_for(code_endpoint)))
        shutil.rmtree(dest)
        f = os.path.join(work, "aws.tar.gz")
        results["aws s3 cp"].append(timed(["aws", "--endpoint-url", code_endpoint, "s3", "cp", "--quiet",
                                           url, f]))
        os.unlink(f)
        results["s3transfer x1"].append(timed([sys.executable, os.path.join(here, "s3transfer_one_worker.py"),
                                               "download", code_endpoint, "code", "sourcedir.tar.gz", f]))
        os.unlink(f)
    return results


def report(name, results):
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in results.items()}
    base = med["sm-train"][0]
    print("%-44s" % name + "".join("| %s %6.2f s (cpu %5.2f s, x%.2f) " % (k, w, c, w / base)
                                   for k, (w, c) in med.items()), flush=True)


small = os.path.join(work, "small")
big = os.path.join(work, "big")
make_small(small)
make_big(big)
print("medians of %d runs; xN = that tool's time / sm-train's (> 1: sm-train faster)" % runs, flush=True)
report("intermediate sync, 500 x 64 KiB", upload_runs("small", small, runs))
shutil.rmtree(small)
report("intermediate sync, 1 x 512 MiB", upload_runs("big", big, runs))
shutil.rmtree(big)
report("code download, 64 MiB sourcedir.tar.gz", download_runs(runs))
