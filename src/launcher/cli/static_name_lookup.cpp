// SPDX-License-Identifier: Apache-2.0
// Linked only into the fully static sm-train (cmake/SmtrainStaticCurl.cmake).
//
// A static glibc has the `files` and `dns` name services built in, but loads
// every other module an image's /etc/nsswitch.conf names (myhostname,
// resolve, sss, ...) from the image with dlopen. Such a module is built for
// the image's glibc, not ours: in a Debian 11 root, loading it aborted
// sm-train (`_dl_call_libc_early_init: Assertion 'sym != NULL' failed`) while
// it waited for algo-1 to resolve, leaving no output/failure. Pinning the
// lookups to the built-in services means nsswitch.conf is never consulted and
// nothing is ever loaded from the image. SageMaker puts its host names in
// /etc/hosts and the DNS servers in /etc/resolv.conf, which is all sm-train needs.
#include <nss.h>

#include <initializer_list>

namespace {

// A constructor, so the pin is in place before main() and before any static
// initialiser or thread could resolve a name.
__attribute__((constructor)) void pin_name_lookup() {
    ::__nss_configure_lookup("hosts", "files dns");
    for (const char* database : {"passwd", "group", "initgroups", "shadow", "services", "protocols"}) {
        ::__nss_configure_lookup(database, "files");
    }
}

}  // namespace
