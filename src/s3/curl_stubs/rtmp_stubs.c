// SPDX-License-Identifier: Apache-2.0
// librtmp entry points of libcurl's rtmp:// code: RTMP_Alloc returns NULL,
// which curl reports as an out-of-memory error before calling any other
// (see README.md beside this file).
#include <stddef.h>

void* RTMP_Alloc(void) { return NULL; }
void RTMP_Init(void* r) { (void)r; }
void RTMP_Free(void* r) { (void)r; }
void RTMP_Close(void* r) { (void)r; }
int RTMP_SetupURL(void* r, char* url) {
    (void)r;
    (void)url;
    return 0;
}
void RTMP_SetBufferMS(void* r, int size) {
    (void)r;
    (void)size;
}
int RTMP_Connect1(void* r, void* packet) {
    (void)r;
    (void)packet;
    return 0;
}
int RTMP_ConnectStream(void* r, int seek_time) {
    (void)r;
    (void)seek_time;
    return 0;
}
int RTMP_Read(void* r, char* buffer, int size) {
    (void)r;
    (void)buffer;
    (void)size;
    return -1;
}
int RTMP_Write(void* r, const char* buffer, int size) {
    (void)r;
    (void)buffer;
    (void)size;
    return -1;
}
