/* A write is acknowledged only by a whole answer. A fake PostgreSQL server (the wire
 * protocol's few messages, over a Unix socket) answers an INSERT ... RETURNING with its
 * row and "INSERT 0 1" and then either says it is ready for the next query (the commit is
 * confirmed) or, as a backend does when the postmaster crashes while it waits for a
 * synchronous standby, sends a crash notice and closes: that answer is an error, not the
 * row. (A harness that took the first result counted such writes as acknowledged, and
 * then as lost after a failover.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "workload/internal.h"

static char dir[] = "/tmp/pgdrill-test-answer-XXXXXX";
static int listener = -1;

static void put(int fd, char type, const void *body, uint32_t len)
{
	uint32_t n = htonl(len + 4);

	assert_int_equal(write(fd, &type, 1), 1);
	assert_int_equal(write(fd, &n, 4), 4);
	if (len)
		assert_int_equal(write(fd, body, len), (ssize_t)len);
}

/* Reads one message of `len` announced bytes (after its type, if any). */
static void skip_message(int fd, bool typed)
{
	char type, buf[4096];
	uint32_t n;

	if (typed)
		assert_int_equal(read(fd, &type, 1), 1);
	assert_int_equal(read(fd, &n, 4), 4);
	n = ntohl(n) - 4;
	while (n > 0) {
		ssize_t got = read(fd, buf, n > sizeof(buf) ? sizeof(buf) : n);

		assert_true(got > 0);
		n -= (uint32_t)got;
	}
}

/* One session: startup, one query answered with the row and its command tag, then
 * either ReadyForQuery (`confirm`) or a crash notice and the end of the connection. */
static void *server(void *arg)
{
	bool confirm = *(bool *)arg;
	static const char auth_ok[4] = {0, 0, 0, 0};
	/* One text column "x": name, table oid, attnum, type oid 25, typlen -1, typmod -1,
	 * text format. */
	static const char rowdesc[] = {0, 1,  'x', 0,    0,    0,    0,    0,    0, 0,
	                               0, 0,  0,   25,   -1,   -1,   -1,   -1,   -1, -1, 0, 0};
	static const char datarow[] = {0, 1, 0, 0, 0, 1, '7'};
	static const char tag[] = "INSERT 0 1";
	static const char notice[] = "SWARNING\0VWARNING\0C57P02\0Mterminating connection because "
	                             "of crash of another server process\0";
	int fd = accept(listener, NULL, NULL);

	assert_true(fd >= 0);
	skip_message(fd, false); /* the startup message */
	put(fd, 'R', auth_ok, 4);
	put(fd, 'Z', "I", 1);
	skip_message(fd, true); /* the query */
	put(fd, 'T', rowdesc, sizeof(rowdesc));
	put(fd, 'D', datarow, sizeof(datarow));
	put(fd, 'C', tag, sizeof(tag));
	if (confirm)
		put(fd, 'Z', "I", 1);
	else
		put(fd, 'N', notice, sizeof(notice)); /* with its final NUL: the fields' end */
	usleep(100000);
	close(fd);
	return NULL;
}

static PGresult *answer_of_one_write(bool confirm)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char conninfo[256];
	pthread_t t;
	PGconn *c;
	PGresult *res = NULL;
	int rounds = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/.s.PGSQL.5432", dir);
	unlink(sa.sun_path);
	listener = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(listener, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, server, &confirm), 0);
	snprintf(conninfo, sizeof(conninfo), "host=%s port=5432 user=u dbname=d sslmode=disable "
	         "gssencmode=disable connect_timeout=5", dir);
	c = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	assert_int_equal(PQsendQuery(c, "INSERT INTO books VALUES (7) RETURNING id"), 1);
	while (!workload_take_answer(c, &res)) {
		struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};

		assert_true(++rounds < 100);
		assert_true(poll(&p, 1, 1000) >= 0);
		if (!PQconsumeInput(c) && PQisBusy(c))
			break;
	}
	pthread_join(t, NULL);
	close(listener);
	PQfinish(c);
	return res;
}

static void test_confirmed_write_is_its_row(void **state)
{
	PGresult *res = answer_of_one_write(true);

	(void)state;
	assert_non_null(res);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(res, 0, 0), "7");
	PQclear(res);
}

static void test_row_then_crash_is_an_error(void **state)
{
	PGresult *res = answer_of_one_write(false);

	(void)state;
	assert_non_null(res);
	assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
	PQclear(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_confirmed_write_is_its_row),
	    cmocka_unit_test(test_row_then_crash_is_an_error),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char sock[128];

		snprintf(sock, sizeof(sock), "%s/.s.PGSQL.5432", dir);
		unlink(sock);
		rmdir(dir);
	}
	return rc;
}
