// SPDX-License-Identifier: Apache-2.0
// The EFA instance-type tables against the toolkit's (sagemaker-training 5.1.0,
// src/sagemaker_training/__init__.py: SM_EFA_NCCL_INSTANCES and
// SM_EFA_RDMA_INSTANCES, copied here by hand), the GB200 hosts included, and the
// arm64 CPU types (Graviton) that are in neither.
#include "runners/instance_types.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smtrain::runners {
namespace {

TEST(InstanceTypes, EfaNcclTableIsTheToolkits) {
    for (const char* type :
         {"ml.g4dn.8xlarge", "ml.g4dn.12xlarge", "ml.g5.48xlarge", "ml.p3dn.24xlarge", "ml.p4d.24xlarge",
          "ml.p4de.24xlarge", "ml.p5.48xlarge", "ml.trn1.32xlarge", "ml.p6e-gb200.36xlarge"})
        EXPECT_TRUE(is_efa_nccl_instance(type)) << type;
}

TEST(InstanceTypes, EfaRdmaTableIsTheToolkits) {
    for (const char* type :
         {"ml.p4d.24xlarge", "ml.p4de.24xlarge", "ml.trn1.32xlarge", "ml.p6e-gb200.36xlarge"})
        EXPECT_TRUE(is_efa_rdma_instance(type)) << type;
    // In the NCCL table only.
    for (const char* type :
         {"ml.g4dn.8xlarge", "ml.g4dn.12xlarge", "ml.g5.48xlarge", "ml.p3dn.24xlarge", "ml.p5.48xlarge"})
        EXPECT_FALSE(is_efa_rdma_instance(type)) << type;
}

// GB200 (NVIDIA Grace, aarch64 hosts) is in both tables; its UltraServer name and
// the bare EC2 name are not instance types SageMaker passes in resourceconfig.json.
TEST(InstanceTypes, Gb200HostsGetBothEfaSettings) {
    EXPECT_TRUE(is_efa_nccl_instance("ml.p6e-gb200.36xlarge"));
    EXPECT_TRUE(is_efa_rdma_instance("ml.p6e-gb200.36xlarge"));
    for (const char* type : {"p6e-gb200.36xlarge", "ml.u-p6e-gb200x72", "ML.P6E-GB200.36XLARGE"}) {
        EXPECT_FALSE(is_efa_nccl_instance(type)) << type;
        EXPECT_FALSE(is_efa_rdma_instance(type)) << type;
    }
}

// Graviton (ml.c7g, ml.m7g, ml.r7g, ml.c6g...): CPU training; the toolkit sets no
// EFA variable for them, whatever the EC2 type's network (c6gn and c7gn have EFA).
TEST(InstanceTypes, GravitonTypesAreInNeitherTable) {
    for (const char* type : {"ml.c7g.16xlarge", "ml.m7g.16xlarge", "ml.r7g.16xlarge", "ml.c6g.16xlarge",
                             "ml.m6g.16xlarge", "ml.c6gn.16xlarge", "ml.c7gn.16xlarge"}) {
        EXPECT_FALSE(is_efa_nccl_instance(type)) << type;
        EXPECT_FALSE(is_efa_rdma_instance(type)) << type;
    }
}

// As the toolkit's `in` on a list: exact names only; types it has not listed
// (p5e, p5en, p6-b200, trn2) get no EFA settings from it either.
TEST(InstanceTypes, OnlyExactNamesMatch) {
    for (const char* type : {"", "local", "ml.p4d.24xlarge ", "ml.p4d.24xlarg", "ml.p5e.48xlarge",
                             "ml.p5en.48xlarge", "ml.p6-b200.48xlarge", "ml.trn2.48xlarge"}) {
        EXPECT_FALSE(is_efa_nccl_instance(type)) << '"' << type << '"';
        EXPECT_FALSE(is_efa_rdma_instance(type)) << '"' << type << '"';
    }
}

}  // namespace
}  // namespace smtrain::runners
