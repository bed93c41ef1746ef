// SPDX-License-Identifier: Apache-2.0
// Fuzzes the hyperparameter decoding (Python's json.loads) and the Python-style
// renderings a value goes through on its way to SM_HP_* and argv: json.dumps,
// str(), repr(), str.upper(). Checks that dumping is stable: what dump_json
// writes parses back to a value that dumps to the same bytes.
#include <smtrain/error.hpp>
#include "lib/json.hpp"
#include "lib/python_format.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace smtrain;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    (void)python_upper(text);
    if (size >= sizeof(double)) {
        double d;
        std::memcpy(&d, data, sizeof d);
        (void)python_float_repr(d);
    }

    for (bool surrogates : {false, true}) {
        Value v;
        try {
            // A small depth limit as well as the default: both paths must refuse cleanly.
            v = parse_json(text, JsonParseOptions{.max_depth = surrogates ? 10000u : 64u,
                                                  .allow_surrogates = surrogates});
        } catch (const JsonSyntaxError&) {
            continue;
        }
        const std::string dumped = dump_json(v);
        (void)dump_json(v, JsonDumpOptions{.sort_keys = false, .indent = 2});
        (void)python_str(v);
        (void)python_repr(v);
        // The env var value must parse back (json.loads(os.environ["SM_HP_X"]) in the program).
        Value again;
        try {
            again = parse_json(dumped, JsonParseOptions{.max_depth = 20000, .allow_surrogates = true});
        } catch (const JsonSyntaxError& e) {
            std::fprintf(stderr, "dump_json wrote text json.loads refuses: %s\n", e.what());
            std::abort();
        }
        if (dump_json(again) != dumped) {
            std::fputs("dump_json is not stable over a parse round trip\n", stderr);
            std::abort();
        }
    }
    return 0;
}
