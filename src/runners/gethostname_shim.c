// SPDX-License-Identifier: Apache-2.0
// libsmtrain-gethostname.so: preloaded into every MPI rank (mpirun -x LD_PRELOAD=...),
// so that gethostname() answers the SageMaker host name ("algo-2") from
// resourceconfig.json instead of the container's random one, as the toolkit's
// gethostname extension does. Frameworks use it to tell hosts apart.
//
// Unlike the toolkit's version, it honours SAGEMAKER_BASE_DIR, never crashes on a
// missing or malformed file (it answers the kernel's host name then), and follows
// POSIX for a short buffer (truncate, ENAMETOOLONG).

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_CONFIG_SIZE (1 << 20)
#define MAX_HOST_NAME 256

static const char* skip_blanks(const char* p, const char* end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
    return p;
}

// Reads a JSON string starting at the opening quote into out (when out is not
// NULL). Returns the position after the closing quote, or NULL when malformed
// or when the decoded text does not fit (escapes other than \" \\ \/ are refused:
// host names do not need them).
static const char* read_string(const char* p, const char* end, char* out, size_t out_size) {
    size_t n = 0;
    if (p >= end || *p != '"') return NULL;
    for (++p; p < end; ++p) {
        char c = *p;
        if (c == '"') {
            if (out != NULL) out[n] = '\0';
            return p + 1;
        }
        if (c == '\\') {
            if (++p >= end) return NULL;
            c = *p;
            if (c != '"' && c != '\\' && c != '/') {
                if (out != NULL) return NULL;
                continue;  // skipped values may hold any escape; \uXXXX digits are plain characters
            }
        }
        if (out != NULL) {
            if (n + 1 >= out_size) return NULL;
            out[n++] = c;
        }
    }
    return NULL;
}

// Skips one JSON value of any kind; NULL when malformed.
static const char* skip_value(const char* p, const char* end) {
    p = skip_blanks(p, end);
    if (p >= end) return NULL;
    if (*p == '"') return read_string(p, end, NULL, 0);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = read_string(p, end, NULL, 0);
                if (p == NULL) return NULL;
                continue;
            }
            if (*p == '{' || *p == '[') ++depth;
            if ((*p == '}' || *p == ']') && --depth == 0) return p + 1;
            ++p;
        }
        return NULL;
    }
    // A number, true, false or null: up to the next delimiter.
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\n' &&
           *p != '\r')
        ++p;
    return p;
}

// Finds the top-level "current_host" string of the object in [p, end).
static int find_current_host(const char* p, const char* end, char* host, size_t host_size) {
    char key[64];
    p = skip_blanks(p, end);
    if (p >= end || *p != '{') return -1;
    p = skip_blanks(p + 1, end);
    while (p < end && *p != '}') {
        const char* after = read_string(p, end, key, sizeof key);
        if (after == NULL) {  // a long or escaped key cannot be "current_host": skip it
            after = read_string(p, end, NULL, 0);
            key[0] = '\0';
        }
        p = after;
        if (p == NULL) return -1;
        p = skip_blanks(p, end);
        if (p >= end || *p != ':') return -1;
        p = skip_blanks(p + 1, end);
        if (strcmp(key, "current_host") == 0) {
            return read_string(p, end, host, host_size) != NULL && host[0] != '\0' ? 0 : -1;
        }
        p = skip_value(p, end);
        if (p == NULL) return -1;
        p = skip_blanks(p, end);
        if (p < end && *p == ',') p = skip_blanks(p + 1, end);
    }
    return -1;
}

static int configured_host(char* host, size_t host_size) {
    const char* base = getenv("SAGEMAKER_BASE_DIR");
    const char* suffix = "/input/config/resourceconfig.json";
    char path[4096];
    if (base == NULL || base[0] == '\0') base = "/opt/ml";
    if (strlen(base) + strlen(suffix) >= sizeof path) return -1;
    strcpy(path, base);
    strcat(path, suffix);

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char* text = malloc(MAX_CONFIG_SIZE);
    size_t size = 0;
    if (text == NULL) {
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, text + size, MAX_CONFIG_SIZE - size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        size += (size_t)n;
        if (size == MAX_CONFIG_SIZE) break;
    }
    close(fd);
    int result = find_current_host(text, text + size, host, host_size);
    free(text);
    return result;
}

int gethostname(char* name, size_t len) {
    char host[MAX_HOST_NAME];
    int saved_errno = errno;
    if (configured_host(host, sizeof host) != 0) {
        struct utsname uts;
        if (uname(&uts) != 0) return -1;
        strncpy(host, uts.nodename, sizeof host - 1);
        host[sizeof host - 1] = '\0';
    }
    errno = saved_errno;
    size_t length = strlen(host);
    if (len == 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (length >= len) {
        memcpy(name, host, len);  // glibc's behaviour: truncated, not terminated
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(name, host, length + 1);
    return 0;
}
