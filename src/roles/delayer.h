/* `pgdrill delayer`: latency without netem. Inside a lab host's namespace, iptables sends
 * the packets a delay fault names to an NFQUEUE; the delayer holds each one for the delay
 * (plus a random jitter) and then lets it go, in the order they came. This kernel has no
 * netem qdisc and cannot load one; nftables' own queue statement is not built in either,
 * iptables' NFQUEUE target is. On SIGTERM it lets every held packet go, says how many it
 * held, and exits. */
#ifndef PGDRILL_ROLES_DELAYER_H
#define PGDRILL_ROLES_DELAYER_H

struct delayer_options {
	int queue;     /* NFQUEUE number, 1..65535 */
	int delay_ms;  /* 1..60000 */
	int jitter_ms; /* 0..delay_ms */
};

/* Serves until SIGTERM/SIGINT; 0, or -1 with the error set when the queue cannot be
 * bound. Prints "held N packets" on its way out. */
int delayer_serve(const struct delayer_options *o);

#endif
