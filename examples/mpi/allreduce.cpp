// SPDX-License-Identifier: Apache-2.0
// Every rank adds rank+1; rank 0 writes the sum, the world size and the host
// name each rank sees to <model dir>/allreduce.txt. Run it through sm-train
// with `sagemaker_mpi_enabled` on one or more hosts:
//
//   sum=3
//   size=2
//   hosts=algo-1,algo-2
//
// The host names come from gethostname(), which sm-train's MPI runner answers
// from resourceconfig.json on each host (libsmtrain-gethostname.so).
#include <smtrain/training_env.hpp>

#include <mpi.h>
#include <unistd.h>

#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {
constexpr int kHostNameSize = 256;

int run() {
    int rank = 0, size = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long contribution = rank + 1, sum = 0;
    MPI_Allreduce(&contribution, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);

    char host[kHostNameSize] = {};
    gethostname(host, sizeof host - 1);
    std::vector<char> hosts(static_cast<std::size_t>(size) * kHostNameSize);
    MPI_Gather(host, kHostNameSize, MPI_CHAR, hosts.data(), kHostNameSize, MPI_CHAR, 0, MPI_COMM_WORLD);
    std::cout << "rank " << rank << " of " << size << " on " << host << ": sum " << sum << std::endl;

    if (rank == 0) {
        // Every rank gets the master's SM_* variables (mpirun -x), so this is the master's model dir.
        const auto env = smtrain::TrainingEnv::from_environment();
        std::ofstream out(env.paths().model / "allreduce.txt");
        out << "sum=" << sum << "\nsize=" << size << "\nhosts=";
        for (int r = 0; r < size; ++r)
            out << (r > 0 ? "," : "") << &hosts[static_cast<std::size_t>(r) * kHostNameSize];
        out << "\n";
        if (!out.flush()) {
            std::cerr << "cannot write " << (env.paths().model / "allreduce.txt") << "\n";
            return 1;
        }
    }
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int status = 1;
    try {
        status = run();
    } catch (const std::exception& e) {
        std::cerr << "allreduce: " << e.what() << "\n";
    }
    if (status != 0) MPI_Abort(MPI_COMM_WORLD, status);
    MPI_Finalize();
    return status;
}
