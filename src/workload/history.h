/* The workload's history: one record per client operation, streamed to a TSV file in the
 * run directory while the drill runs and read back whole by the checks afterwards. */
#ifndef PGDRILL_WORKLOAD_HISTORY_H
#define PGDRILL_WORKLOAD_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum op_kind { OP_WRITE, OP_READ };

/* ok: the server answered success. failed: it certainly did not happen (no connection,
 * or the server refused it and the session lives on). indeterminate: the statement was
 * sent and no answer came (connection lost, client deadline), so it may have committed. */
enum op_outcome { OP_OK, OP_FAILED, OP_INDETERMINATE };

/* Error codes that are not SQLSTATEs. */
#define OP_ERR_CONNECT "conn"    /* could not connect: nothing was sent */
#define OP_ERR_LOST "lost"       /* the connection broke before an answer */
#define OP_ERR_TIMEOUT "timeout" /* no answer before the client's deadline */
#define OP_ERR_READ_ONLY "25006" /* SQLSTATE read_only_sql_transaction: a standby answered */

struct op_record {
	int64_t start_us, end_us; /* monotonic, since the run started */
	int64_t id;               /* the book written or read; 0 for a failed connect */
	uint32_t server;          /* IPv4 address that answered (host order), 0 unknown */
	int32_t timeline;         /* that server's timeline, 0 unknown */
	uint16_t client;
	uint8_t kind;    /* enum op_kind */
	uint8_t outcome; /* enum op_outcome */
	bool reconnect;  /* this operation opened a new connection first */
	char error[8];   /* SQLSTATE or OP_ERR_*; "" when ok */
};

/* The first message seen for each error code, for reports ("why"). */
#define HISTORY_MAX_CODES 16
struct error_kind {
	char code[8];
	size_t count;
	char message[200];
};

struct history {
	struct op_record *ops;
	size_t count, cap;
	struct error_kind errors[HISTORY_MAX_CODES];
	size_t nerrors;
};

/* One line per record, tab-separated; `message` may be NULL (tabs and newlines are
 * replaced). history_write_header starts a file: a line naming the run (the `run` column
 * of the books table, so that anyone can find this history's rows) and the columns. */
void history_write_header(FILE *f, int64_t run_id);
void history_write(FILE *f, const struct op_record *r, const char *message);
/* The longest line history_format writes (a longer message is cut), with its newline. */
#define HISTORY_LINE_MAX 512
/* The line history_write writes, into buf (HISTORY_LINE_MAX bytes), not NUL-terminated;
 * returns its length. No stdio formatting and no lock: a client thread formats its line
 * before it takes the workload's lock to append it. */
size_t history_format(char *buf, const struct op_record *r, const char *message);

/* Appends a record (and counts its error under its code). */
void history_add(struct history *h, const struct op_record *r, const char *message);
/* Reads a file written above; -1 with the error set (file:line) on a malformed line. */
int history_load(struct history *h, const char *path);
void history_free(struct history *h);

const char *op_outcome_name(int outcome);
/* "10.213.0.11" into buf; "?" for 0. */
const char *op_server_string(uint32_t server, char *buf, size_t len);

#endif
