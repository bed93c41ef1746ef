// SPDX-License-Identifier: Apache-2.0
// GSS-API entry points of libcurl's Kerberos/SPNEGO code: every call fails
// with GSS_S_FAILURE and empty outputs (see README.md beside this file).
// The declarations mirror MIT's <gssapi/gssapi.h>, which is not installed.
#include <stddef.h>
#include <stdint.h>

typedef uint32_t OM_uint32;
typedef struct {
    OM_uint32 length;
    void* elements;
} gss_OID_desc;
typedef gss_OID_desc* gss_OID;
typedef struct {
    size_t length;
    void* value;
} gss_buffer_desc;
typedef gss_buffer_desc* gss_buffer_t;

#define GSS_S_COMPLETE 0u
#define GSS_S_FAILURE (13u << 16)

static gss_OID_desc hostbased_service_oid = {0, NULL};
gss_OID GSS_C_NT_HOSTBASED_SERVICE = &hostbased_service_oid;

static OM_uint32 fail(OM_uint32* minor_status, gss_buffer_t output) {
    if (minor_status) *minor_status = 0;
    if (output) {
        output->length = 0;
        output->value = NULL;
    }
    return GSS_S_FAILURE;
}

OM_uint32 gss_import_name(OM_uint32* minor, gss_buffer_t input, gss_OID type, void** output_name) {
    (void)input;
    (void)type;
    if (output_name) *output_name = NULL;
    return fail(minor, NULL);
}

OM_uint32 gss_display_name(OM_uint32* minor, void* name, gss_buffer_t output, gss_OID* type) {
    (void)name;
    if (type) *type = NULL;
    return fail(minor, output);
}

OM_uint32 gss_display_status(OM_uint32* minor, OM_uint32 status, int status_type, gss_OID mech,
                             OM_uint32* message_context, gss_buffer_t status_string) {
    (void)status;
    (void)status_type;
    (void)mech;
    if (message_context) *message_context = 0;  // ends curl's message loop
    return fail(minor, status_string);
}

OM_uint32 gss_init_sec_context(OM_uint32* minor, void* cred, void** context, void* target, gss_OID mech,
                               OM_uint32 req_flags, OM_uint32 time_req, void* bindings, gss_buffer_t input,
                               gss_OID* actual_mech, gss_buffer_t output, OM_uint32* ret_flags,
                               OM_uint32* time_rec) {
    (void)cred;
    (void)context;
    (void)target;
    (void)mech;
    (void)req_flags;
    (void)time_req;
    (void)bindings;
    (void)input;
    if (actual_mech) *actual_mech = NULL;
    if (ret_flags) *ret_flags = 0;
    if (time_rec) *time_rec = 0;
    return fail(minor, output);
}

OM_uint32 gss_inquire_context(OM_uint32* minor, void* context, void** source, void** target,
                              OM_uint32* lifetime, gss_OID* mech, OM_uint32* flags, int* local, int* open) {
    (void)context;
    if (source) *source = NULL;
    if (target) *target = NULL;
    if (lifetime) *lifetime = 0;
    if (mech) *mech = NULL;
    if (flags) *flags = 0;
    if (local) *local = 0;
    if (open) *open = 0;
    return fail(minor, NULL);
}

OM_uint32 gss_wrap(OM_uint32* minor, void* context, int conf_req, OM_uint32 qop, gss_buffer_t input,
                   int* conf_state, gss_buffer_t output) {
    (void)context;
    (void)conf_req;
    (void)qop;
    (void)input;
    if (conf_state) *conf_state = 0;
    return fail(minor, output);
}

OM_uint32 gss_unwrap(OM_uint32* minor, void* context, gss_buffer_t input, gss_buffer_t output,
                     int* conf_state, OM_uint32* qop) {
    (void)context;
    (void)input;
    if (conf_state) *conf_state = 0;
    if (qop) *qop = 0;
    return fail(minor, output);
}

// Releasing what the calls above never allocated succeeds.
OM_uint32 gss_release_buffer(OM_uint32* minor, gss_buffer_t buffer) {
    fail(minor, buffer);
    return GSS_S_COMPLETE;
}

OM_uint32 gss_release_name(OM_uint32* minor, void** name) {
    if (name) *name = NULL;
    fail(minor, NULL);
    return GSS_S_COMPLETE;
}

OM_uint32 gss_delete_sec_context(OM_uint32* minor, void** context, gss_buffer_t output) {
    if (context) *context = NULL;
    fail(minor, output);
    return GSS_S_COMPLETE;
}
