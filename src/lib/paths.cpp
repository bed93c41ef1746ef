// SPDX-License-Identifier: Apache-2.0
#include <smtrain/paths.hpp>

namespace smtrain {

// path::operator/ joins as os.path.join does for relative components: one
// separator, none added after a trailing one ("/base/" / "code" == "/base/code").
Paths Paths::under(const std::filesystem::path& base) {
    Paths p;
    p.base = base;
    p.code = base / "code";
    p.model = base / "model";
    p.input = base / "input";
    p.input_config = p.input / "config";
    p.input_data = p.input / "data";
    p.output = base / "output";
    p.output_data = p.output / "data";
    p.output_intermediate = p.output / "intermediate";
    p.checkpoints = base / "checkpoints";
    return p;
}

}  // namespace smtrain
