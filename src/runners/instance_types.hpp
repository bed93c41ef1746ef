// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file
/// The toolkit's instance-type lists that switch on EFA settings.
///
/// Errors: none.

#include <string_view>

namespace smtrain::runners {

/// Instance types where NCCL runs over EFA (the toolkit's SM_EFA_NCCL_INSTANCES).
bool is_efa_nccl_instance(std::string_view instance_type);
/// Instance types where EFA does RDMA (the toolkit's SM_EFA_RDMA_INSTANCES).
bool is_efa_rdma_instance(std::string_view instance_type);

}  // namespace smtrain::runners
