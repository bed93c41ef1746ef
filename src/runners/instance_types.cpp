// SPDX-License-Identifier: Apache-2.0
#include "runners/instance_types.hpp"

#include <algorithm>
#include <array>

namespace smtrain::runners {

namespace {
constexpr std::array<std::string_view, 9> kEfaNccl = {
    "ml.g4dn.8xlarge",  "ml.g4dn.12xlarge", "ml.g5.48xlarge",   "ml.p3dn.24xlarge",      "ml.p4d.24xlarge",
    "ml.p4de.24xlarge", "ml.p5.48xlarge",   "ml.trn1.32xlarge", "ml.p6e-gb200.36xlarge",
};
constexpr std::array<std::string_view, 4> kEfaRdma = {
    "ml.p4d.24xlarge",
    "ml.p4de.24xlarge",
    "ml.trn1.32xlarge",
    "ml.p6e-gb200.36xlarge",
};
}  // namespace

bool is_efa_nccl_instance(std::string_view instance_type) {
    return std::find(kEfaNccl.begin(), kEfaNccl.end(), instance_type) != kEfaNccl.end();
}

bool is_efa_rdma_instance(std::string_view instance_type) {
    return std::find(kEfaRdma.begin(), kEfaRdma.end(), instance_type) != kEfaRdma.end();
}

}  // namespace smtrain::runners
