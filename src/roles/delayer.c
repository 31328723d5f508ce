#include "roles/delayer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util/error.h"

/* Held packets, oldest first: a ring of ids and the moments they go. */
#define HELD_MAX 65536

struct held {
	uint32_t id[HELD_MAX];
	int64_t due_us[HELD_MAX];
	size_t head, count;
	int64_t last_due_us;
	unsigned long long total;
	const struct delayer_options *o;
	struct nfq_q_handle *qh;
};

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
                     void *data)
{
	struct held *h = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	int64_t due;
	uint32_t id;

	(void)msg;
	if (!ph)
		return 0;
	id = ntohl(ph->packet_id);
	if (h->count == HELD_MAX) /* more than the ring holds: it goes now */
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	due = now_us() + (int64_t)h->o->delay_ms * 1000;
	if (h->o->jitter_ms > 0)
		due += ((int64_t)(random() % (2 * h->o->jitter_ms + 1)) - h->o->jitter_ms) * 1000;
	/* In order: a packet never overtakes the one before it (TCP would see reordering,
	 * which is another fault). */
	if (due < h->last_due_us)
		due = h->last_due_us;
	h->last_due_us = due;
	h->id[(h->head + h->count) % HELD_MAX] = id;
	h->due_us[(h->head + h->count) % HELD_MAX] = due;
	h->count++;
	h->total++;
	return 0;
}

/* Lets go every packet due by `until` (all of them with INT64_MAX). */
static void release(struct held *h, int64_t until)
{
	while (h->count && h->due_us[h->head] <= until) {
		nfq_set_verdict(h->qh, h->id[h->head], NF_ACCEPT, 0, NULL);
		h->head = (h->head + 1) % HELD_MAX;
		h->count--;
	}
}

int delayer_serve(const struct delayer_options *o)
{
	static struct held h;
	struct sigaction act = {.sa_handler = on_stop};
	struct nfq_handle *nh;
	char buf[65536] __attribute__((aligned));
	int fd;

	memset(&h, 0, sizeof(h));
	h.o = o;
	srandom((unsigned)now_us());
	nh = nfq_open();
	if (!nh)
		return error_set("delayer: cannot open netfilter's queue interface: %s",
		                 strerror(errno));
	if (nfq_bind_pf(nh, AF_INET) < 0) {
		nfq_close(nh);
		return error_set("delayer: cannot bind to IPv4 packets: %s", strerror(errno));
	}
	h.qh = nfq_create_queue(nh, (uint16_t)o->queue, on_packet, &h);
	if (!h.qh || nfq_set_mode(h.qh, NFQNL_COPY_META, 0) < 0) {
		nfq_close(nh);
		return error_set("delayer: cannot bind queue %d: %s", o->queue, strerror(errno));
	}
	nfq_set_queue_maxlen(h.qh, HELD_MAX);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	fd = nfq_fd(nh);
	printf("holding each packet of queue %d for %d ms (jitter %d ms)\n", o->queue, o->delay_ms,
	       o->jitter_ms);
	fflush(stdout);
	while (!stopping) {
		int64_t wait_ms = 1000;
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (h.count) {
			int64_t left = h.due_us[h.head] - now_us();

			wait_ms = left <= 0 ? 0 : (left + 999) / 1000;
		}
		if (poll(&p, 1, (int)wait_ms) > 0 && (p.revents & POLLIN)) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (n > 0)
				nfq_handle_packet(nh, buf, (int)n);
		}
		release(&h, now_us());
	}
	release(&h, INT64_MAX);
	printf("held %llu packets\n", h.total);
	fflush(stdout);
	nfq_destroy_queue(h.qh);
	nfq_close(nh);
	return 0;
}
