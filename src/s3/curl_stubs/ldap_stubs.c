// SPDX-License-Identifier: Apache-2.0
// OpenLDAP entry points of libcurl's ldap:// code: every call fails with
// LDAP_NOT_SUPPORTED (see README.md beside this file). Opaque OpenLDAP types
// are void pointers here; <ldap.h> is not installed.
#include <stddef.h>

#define LDAP_NOT_SUPPORTED (-12)

int ldap_url_parse(const char* url, void** description) {
    (void)url;
    if (description) *description = NULL;
    return LDAP_NOT_SUPPORTED;
}
void ldap_free_urldesc(void* description) { (void)description; }
int ldap_pvt_url_scheme2proto(const char* scheme) {
    (void)scheme;
    return -1;
}
int ldap_init_fd(int fd, int proto, const char* url, void** ld) {
    (void)fd;
    (void)proto;
    (void)url;
    if (ld) *ld = NULL;
    return LDAP_NOT_SUPPORTED;
}
int ldap_set_option(void* ld, int option, const void* value) {
    (void)ld;
    (void)option;
    (void)value;
    return LDAP_NOT_SUPPORTED;
}
int ldap_get_option(void* ld, int option, void* value) {
    (void)ld;
    (void)option;
    (void)value;
    return LDAP_NOT_SUPPORTED;
}
char* ldap_err2string(int error) {
    (void)error;
    static char text[] = "LDAP is not supported by sm-train";
    return text;
}
int ldap_start_tls(void* ld, void* server_controls, void* client_controls, int* msgid) {
    (void)ld;
    (void)server_controls;
    (void)client_controls;
    if (msgid) *msgid = -1;
    return LDAP_NOT_SUPPORTED;
}
int ldap_sasl_bind(void* ld, const char* dn, const char* mechanism, void* credentials, void* server_controls,
                   void* client_controls, int* msgid) {
    (void)ld;
    (void)dn;
    (void)mechanism;
    (void)credentials;
    (void)server_controls;
    (void)client_controls;
    if (msgid) *msgid = -1;
    return LDAP_NOT_SUPPORTED;
}
int ldap_parse_sasl_bind_result(void* ld, void* result, void** server_credentials, int free_it) {
    (void)ld;
    (void)result;
    (void)free_it;
    if (server_credentials) *server_credentials = NULL;
    return LDAP_NOT_SUPPORTED;
}
int ldap_search_ext(void* ld, const char* base, int scope, const char* filter, char** attributes,
                    int attributes_only, void* server_controls, void* client_controls, void* timeout,
                    int size_limit, int* msgid) {
    (void)ld;
    (void)base;
    (void)scope;
    (void)filter;
    (void)attributes;
    (void)attributes_only;
    (void)server_controls;
    (void)client_controls;
    (void)timeout;
    (void)size_limit;
    if (msgid) *msgid = -1;
    return LDAP_NOT_SUPPORTED;
}
int ldap_result(void* ld, int msgid, int all, void* timeout, void** result) {
    (void)ld;
    (void)msgid;
    (void)all;
    (void)timeout;
    if (result) *result = NULL;
    return -1;
}
int ldap_parse_result(void* ld, void* result, int* error, char** matched_dn, char** message,
                      char*** referrals, void*** server_controls, int free_it) {
    (void)ld;
    (void)result;
    (void)free_it;
    if (error) *error = LDAP_NOT_SUPPORTED;
    if (matched_dn) *matched_dn = NULL;
    if (message) *message = NULL;
    if (referrals) *referrals = NULL;
    if (server_controls) *server_controls = NULL;
    return LDAP_NOT_SUPPORTED;
}
int ldap_msgtype(void* message) {
    (void)message;
    return -1;
}
int ldap_msgfree(void* message) {
    (void)message;
    return -1;
}
int ldap_get_dn_ber(void* ld, void* entry, void** ber, void* dn) {
    (void)ld;
    (void)entry;
    (void)dn;
    if (ber) *ber = NULL;
    return LDAP_NOT_SUPPORTED;
}
int ldap_get_attribute_ber(void* ld, void* entry, void* ber, void* attribute, void** values) {
    (void)ld;
    (void)entry;
    (void)ber;
    (void)attribute;
    if (values) *values = NULL;
    return LDAP_NOT_SUPPORTED;
}
int ldap_abandon_ext(void* ld, int msgid, void* server_controls, void* client_controls) {
    (void)ld;
    (void)msgid;
    (void)server_controls;
    (void)client_controls;
    return LDAP_NOT_SUPPORTED;
}
int ldap_unbind_ext(void* ld, void* server_controls, void* client_controls) {
    (void)ld;
    (void)server_controls;
    (void)client_controls;
    return 0;
}
void ldap_memfree(void* p) { (void)p; }

// liblber, OpenLDAP's encoding library.
void ber_bvfree(void* value) { (void)value; }
void ber_free(void* ber, int free_buffer) {
    (void)ber;
    (void)free_buffer;
}
void ber_memfree(void* p) { (void)p; }
void ber_memvfree(void** vector) { (void)vector; }
int ber_sockbuf_add_io(void* sockbuf, void* io, int layer, void* arg) {
    (void)sockbuf;
    (void)io;
    (void)layer;
    (void)arg;
    return -1;
}
