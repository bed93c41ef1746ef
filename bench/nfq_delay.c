// SPDX-License-Identifier: Apache-2.0
// Adds a fixed delay to every packet of an NFQUEUE, for bench/s3_rtt_bench.sh
// (this kernel has no sch_netem). Run in a network namespace whose INPUT chain
// sends packets to the queue; delaying on INPUT rather than OUTPUT keeps TCP's
// small-queue accounting on the sender out of the picture.
//
//   nfq_delay QUEUE_NUM DELAY_MS
//
// Packets are held in arrival order (the delay is the same for all) and given
// their ACCEPT verdict when due. Only metadata is copied to user space.
#include <arpa/inet.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define RING (1u << 20)

static uint32_t ids[RING];
static uint64_t due[RING];
static unsigned head, tail;
static uint64_t delay_ns;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int on_packet(struct nfq_q_handle* qh, struct nfgenmsg* msg, struct nfq_data* nfa, void* data) {
    (void)msg;
    (void)data;
    struct nfqnl_msg_packet_hdr* ph = nfq_get_msg_packet_hdr(nfa);
    if (!ph) return 0;
    const uint32_t id = ntohl(ph->packet_id);
    if (tail - head == RING) return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);  // full: no delay
    ids[tail % RING] = id;
    due[tail % RING] = now_ns() + delay_ns;
    ++tail;
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: nfq_delay QUEUE_NUM DELAY_MS\n");
        return 64;
    }
    delay_ns = (uint64_t)atoi(argv[2]) * 1000000u;
    struct nfq_handle* h = nfq_open();
    if (!h) {
        perror("nfq_open");
        return 1;
    }
    struct nfq_q_handle* qh = nfq_create_queue(h, (uint16_t)atoi(argv[1]), &on_packet, NULL);
    if (!qh || nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
        perror("nfq_create_queue");
        return 1;
    }
    nfq_set_queue_maxlen(qh, 1u << 16);
    const int fd = nfq_fd(h);
    int size = 64 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    char buffer[65536] __attribute__((aligned));
    for (;;) {
        int timeout = -1;
        if (head != tail) {
            const uint64_t now = now_ns(), when = due[head % RING];
            timeout = when > now ? (int)((when - now + 999999) / 1000000) : 0;
        }
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout) > 0) {
            for (;;) {
                const ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
                if (n <= 0) break;
                nfq_handle_packet(h, buffer, (int)n);
            }
        }
        const uint64_t now = now_ns();
        while (head != tail && due[head % RING] <= now) {
            nfq_set_verdict(qh, ids[head % RING], NF_ACCEPT, 0, NULL);
            ++head;
        }
    }
}
