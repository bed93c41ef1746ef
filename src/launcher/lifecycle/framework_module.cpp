// SPDX-License-Identifier: Apache-2.0
#include "launcher/lifecycle/framework_module.hpp"

#include <smtrain/error.hpp>

namespace smtrain::launcher {

using process::Command;
namespace {

// Fixed code; argv: module, function, failure file. The toolkit's rules
// (trainer.train): a ClientError is the user's failure, reported as str(e)
// with exit 1; anything else is the framework's, with its traceback and errno.
constexpr const char* kCode = R"PY(import importlib, os, sys, traceback
module, function, failure = sys.argv[1], sys.argv[2], sys.argv[3]
del sys.argv[1:]
try:
    getattr(importlib.import_module(module), function)()
except Exception as e:
    client = any(c.__name__ == 'ClientError' and c.__module__ == 'sagemaker_training.errors'
                 for c in type(e).__mro__)
    if client:
        message, code = str(e), 1
    else:
        trace = traceback.format_exc()
        compiler = ('tensorflow/compiler/xla', 'tensorflow/compiler/tf2xla',
                    'tensorflow/python/compiler/xla', 'torch_xla/')
        kind = 'SMTrainingCompiler Error' if any(p in trace for p in compiler) else 'Framework Error'
        message = '%s: \n%s\n%s' % (kind, trace, str(e))
        try:
            code = int(getattr(e, 'errno', 1))
        except (TypeError, ValueError):
            code = 1
        if code % 256 == 0:
            code = 1
    if not os.path.exists(failure):
        try:
            os.makedirs(os.path.dirname(failure), exist_ok=True)
            with open(failure, 'w') as f:
                f.write(message)
        except OSError as write_error:
            sys.stderr.write('cannot write %s: %s\n' % (failure, write_error))
    sys.stderr.write('Reporting training FAILURE\n%s\n' % message)
    sys.stderr.flush()
    sys.exit(code)
)PY";

}  // namespace

Command framework_command(const std::string& training_module, const std::filesystem::path& python,
                          const std::filesystem::path& failure_file) {
    std::size_t colon = training_module.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == training_module.size() ||
        training_module.find(':', colon + 1) != std::string::npos) {
        throw ConfigError("SAGEMAKER_TRAINING_MODULE", "",
                          "expected 'package.module:function', got '" + training_module + "'");
    }
    Command command;
    command.program = python;
    command.argv = {python.string(),
                    "-c",
                    kCode,
                    training_module.substr(0, colon),
                    training_module.substr(colon + 1),
                    failure_file.string()};
    return command;
}

}  // namespace smtrain::launcher
