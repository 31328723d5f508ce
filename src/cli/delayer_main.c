/* pgdrill-delayer: the delay fault's packet holder as a program of its own, so that it
 * can run on a host pgdrill reaches over SSH: it needs only libnetfilter-queue there, not
 * pgdrill's libraries. fault.delay starts it inside the host (a copy of it, on a host
 * that does not share pgdrill's files) and ends it by PID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles/delayer.h"
#include "util/error.h"

#define USAGE "usage: pgdrill-delayer --queue N --delay-ms MS [--jitter-ms MS]\n"

/* A whole number from min to max, or -1 with a message naming the option. */
static int number(const char *name, const char *text, long min, long max, int *out)
{
	char *end;
	long v = text ? strtol(text, &end, 10) : 0;

	if (!text || !*text || *end || v < min || v > max) {
		fprintf(stderr, "pgdrill-delayer: --%s must be a whole number from %ld to %ld\n",
		        name, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	const char *queue = NULL, *delay = NULL, *jitter = "0";
	struct delayer_options o;
	int i;

	for (i = 1; i < argc; i += 2) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--queue") == 0)
			queue = value;
		else if (strcmp(argv[i], "--delay-ms") == 0)
			delay = value;
		else if (strcmp(argv[i], "--jitter-ms") == 0)
			jitter = value;
		else
			break;
		if (!value)
			break;
	}
	if (i < argc || !queue || !delay) {
		fputs(USAGE "Holds each packet of the NFQUEUE for the delay, plus or minus a random "
		      "jitter, in the order it came; on SIGTERM lets every held packet go.\n",
		      stderr);
		return 2;
	}
	if (number("queue", queue, 1, 65535, &o.queue) < 0 ||
	    number("delay-ms", delay, 1, 60000, &o.delay_ms) < 0 ||
	    number("jitter-ms", jitter, 0, o.delay_ms, &o.jitter_ms) < 0)
		return 2;
	if (delayer_serve(&o) < 0) {
		fprintf(stderr, "pgdrill-delayer: %s\n", error_last());
		return 2;
	}
	return 0;
}
