#include "roles/barman_archive.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provider/host.h"
#include "roles/barman.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/timestamp.h"

#define DEFAULT_SEG_SIZE (16ull << 20)

int barman_wal_segno(const char *name, unsigned long long seg_size, unsigned long long *segno)
{
	unsigned long long log, seg;
	char part[9];
	size_t i;

	if (strlen(name) != 24 || seg_size == 0 || (0x100000000ull % seg_size) != 0)
		return -1;
	for (i = 0; i < 24; i++)
		if (!isxdigit((unsigned char)name[i]))
			return -1;
	memcpy(part, name + 8, 8);
	part[8] = '\0';
	log = strtoull(part, NULL, 16);
	memcpy(part, name + 16, 8);
	seg = strtoull(part, NULL, 16);
	if (seg >= 0x100000000ull / seg_size)
		return -1;
	*segno = log * (0x100000000ull / seg_size) + seg;
	return 0;
}

int barman_parse_time(const char *text, double *out)
{
	const char *p = text;
	int oh = 0, om = 0, sign = 0;
	double t;

	if (!time_datetime(&p, &t))
		return -1;
	if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!time_digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p) && !time_digits(&p, 2, &om))
			return -1;
	} else if (*p == 'Z') {
		p++;
	} else if (strcmp(p, " UTC") == 0) {
		p += 4;
	}
	if (*p)
		return -1;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

/* The value of `key=` in a backup.info text (owned), or NULL. */
static char *info_value(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
			char *v = xmalloc(len - klen);

			memcpy(v, line + klen + 1, len - klen - 1);
			v[len - klen - 1] = '\0';
			return v;
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* 1: a DONE backup, stored; 0: another status, left out; -1: does not parse. */
static int parse_backup(struct barman_backup *b, const char *id, const char *text,
                        unsigned long long *seg_size)
{
	char *status = info_value(text, "status"), *bw = info_value(text, "begin_wal");
	char *ew = info_value(text, "end_wal"), *bt = info_value(text, "begin_time");
	char *et = info_value(text, "end_time"), *ss = info_value(text, "xlog_segment_size");
	int rc = -1;

	memset(b, 0, sizeof(*b));
	if (!status || strcmp(status, "DONE") != 0) {
		rc = 0;
		goto out;
	}
	if (ss && strcmp(ss, "None") != 0)
		*seg_size = strtoull(ss, NULL, 10);
	if (strlen(id) >= sizeof(b->id) || !bw || !ew || !bt || !et ||
	    barman_wal_segno(bw, *seg_size, &b->begin_seg) < 0 ||
	    barman_wal_segno(ew, *seg_size, &b->end_seg) < 0 ||
	    barman_parse_time(bt, &b->begin_time) < 0 || barman_parse_time(et, &b->end_time) < 0) {
		error_set("barman backup %.40s: its backup.info does not say where its WAL begins "
		          "and ends",
		          id);
		goto out;
	}
	snprintf(b->id, sizeof(b->id), "%s", id);
	rc = 1;
out:
	free(status);
	free(bw);
	free(ew);
	free(bt);
	free(et);
	free(ss);
	return rc;
}

struct seg {
	unsigned long long no;
	double time;
	char name[25];
};

static int by_segno(const void *x, const void *y)
{
	const struct seg *a = x, *b = y;

	return a->no < b->no ? -1 : a->no > b->no;
}

static int by_end(const void *x, const void *y)
{
	const struct barman_backup *a = x, *b = y;

	return a->end_time < b->end_time ? -1 : a->end_time > b->end_time;
}

/* Whole segments of xlog.db ("name size time compression" per line), by number; the
 * history files and .partial files are left out. */
static int parse_xlogdb(const char *text, unsigned long long seg_size, struct seg **out,
                        size_t *n)
{
	const char *line = text;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		char name[64], size[32], when[64];
		struct seg s;

		if (sscanf(line, "%63s %31s %63s", name, size, when) == 3 &&
		    barman_wal_segno(name, seg_size, &s.no) == 0) {
			char *e;

			s.time = strtod(when, &e);
			if (*e) {
				free(*out);
				*out = NULL;
				return error_set("barman's xlog.db: no archive time in the line of %s",
				                 name);
			}
			memcpy(s.name, name, 25);
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				*out = xrealloc(*out, cap * sizeof(**out));
			}
			(*out)[(*n)++] = s;
		}
		line = end ? end + 1 : NULL;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), by_segno);
	return 0;
}

int barman_archive_parse(struct barman_archive *a, const char *xlogdb, const char *const *ids,
                         const char *const *backup_infos, size_t ninfos)
{
	unsigned long long seg_size = DEFAULT_SEG_SIZE, start;
	struct seg *segs = NULL;
	size_t nsegs, i, i0, j, run0;

	memset(a, 0, sizeof(*a));
	a->backups = xcalloc(ninfos + 1, sizeof(*a->backups));
	for (i = 0; i < ninfos; i++) {
		int rc = parse_backup(&a->backups[a->nbackups], ids[i], backup_infos[i], &seg_size);

		if (rc < 0) {
			barman_archive_free(a);
			return -1;
		}
		a->nbackups += (size_t)rc;
	}
	a->seg_size = seg_size;
	if (a->nbackups)
		qsort(a->backups, a->nbackups, sizeof(*a->backups), by_end);
	if (parse_xlogdb(xlogdb, seg_size, &segs, &nsegs) < 0) {
		barman_archive_free(a);
		return -1;
	}
	/* What matters starts at the oldest backup's first segment. */
	start = nsegs ? segs[0].no : 0;
	for (i = 0; i < a->nbackups; i++)
		if (i == 0 || a->backups[i].begin_seg < start)
			start = a->backups[i].begin_seg;
	for (i0 = 0; i0 < nsegs && segs[i0].no < start; i0++)
		;
	if (i0 < nsegs) {
		a->have_wal = true;
		a->last_seg = segs[nsegs - 1].no;
		a->last_wal_time = segs[nsegs - 1].time;
		memcpy(a->last_wal, segs[nsegs - 1].name, 25);
	}
	a->gaps = xcalloc(nsegs + 1, sizeof(*a->gaps));
	a->windows = xcalloc(nsegs + 1, sizeof(*a->windows));
	/* Runs of consecutive segments. The same number on two timelines (the segment where
	 * a new one began) counts once. */
	for (run0 = i = i0; i < nsegs; i++) {
		bool last = i + 1 == nsegs;
		bool breaks = !last && segs[i + 1].no > segs[i].no + 1;
		double to;
		bool opened = false;

		if (!last && !breaks)
			continue;
		to = segs[i].time;
		for (j = 0; j < a->nbackups; j++) {
			struct barman_backup *b = &a->backups[j];

			if (b->begin_seg < segs[run0].no || b->end_seg > segs[i].no)
				continue;
			b->usable_to = to;
			if (!opened) {
				struct barman_window *w = &a->windows[a->nwindows++];

				w->from = b->end_time;
				w->to = to;
				snprintf(w->backup, sizeof(w->backup), "%s", b->id);
				opened = true;
			}
		}
		if (breaks) {
			struct barman_gap *g = &a->gaps[a->ngaps++];

			g->first = segs[i].no + 1;
			g->last = segs[i + 1].no - 1;
			memcpy(g->before, segs[i].name, 25);
			memcpy(g->after, segs[i + 1].name, 25);
			run0 = i + 1;
		}
	}
	/* WAL the oldest backup needs that is not there at all (before the first archived
	 * segment, or an archive with nothing in it) is a gap too. */
	if (a->nbackups && (i0 == nsegs || segs[i0].no > start)) {
		struct barman_gap *g = &a->gaps[a->ngaps++];

		g->first = start;
		g->last = i0 < nsegs ? segs[i0].no - 1 : a->backups[a->nbackups - 1].end_seg;
		snprintf(g->before, sizeof(g->before), "%s", "(nothing)");
		snprintf(g->after, sizeof(g->after), "%s", i0 < nsegs ? segs[i0].name : "(nothing)");
	}
	free(segs);
	return 0;
}

void barman_archive_free(struct barman_archive *a)
{
	free(a->backups);
	free(a->gaps);
	free(a->windows);
	memset(a, 0, sizeof(*a));
}

const struct barman_backup *barman_archive_backup_for(const struct barman_archive *a, double t)
{
	size_t i;

	for (i = a->nbackups; i-- > 0;) {
		const struct barman_backup *b = &a->backups[i];

		if (b->usable_to > 0 && b->end_time <= t && t <= b->usable_to)
			return b;
	}
	return NULL;
}

static void put_time(struct strbuf *sb, double t)
{
	time_t s = (time_t)t;
	struct tm tm;
	char buf[32];

	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	strbuf_printf(sb, "%s UTC", buf);
}

char *barman_archive_describe(const struct barman_archive *a, double now)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!a->nbackups) {
		strbuf_puts(&sb, "no backup");
	} else {
		const struct barman_backup *n = &a->backups[a->nbackups - 1];

		strbuf_printf(&sb, "%zu backup%s, newest %s (%.0f s old)", a->nbackups,
		              a->nbackups == 1 ? "" : "s", n->id, now - n->end_time);
	}
	for (i = 0; i < a->nwindows; i++) {
		strbuf_puts(&sb, i ? ", and from " : "; PITR possible from ");
		put_time(&sb, a->windows[i].from);
		strbuf_puts(&sb, " to ");
		put_time(&sb, a->windows[i].to);
	}
	if (a->nbackups && !a->nwindows)
		strbuf_puts(&sb, "; no point in time is recoverable");
	for (i = 0; i < a->ngaps; i++)
		strbuf_printf(&sb, "; WAL missing between %s and %s", a->gaps[i].before,
		              a->gaps[i].after);
	if (!a->ngaps && a->have_wal)
		strbuf_printf(&sb, "; WAL archive continuous to %s", a->last_wal);
	return strbuf_detach(&sb);
}

int barman_archive_read(const struct lab_rt *rt, const struct lab_host_rt *b,
                        struct barman_archive *a)
{
	const char *server = rt->lab->barman.server_name;
	char *list_args[] = {"list-backups", "--minimal", (char *)server, NULL};
	char *list = NULL, *xlogdb = NULL, *path, *line, *save = NULL;
	char **ids = NULL, **infos = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (barman_query(rt, b, "barman list-backups", list_args, &list) < 0)
		return -1;
	path = xasprintf("barman/%s/wals/xlog.db", server);
	if (host_get_file(rt, b, path, &xlogdb, NULL) == PD_ENOTFOUND) {
		error_clear();
		xlogdb = xstrdup("");
	}
	free(path);
	if (!xlogdb)
		goto out;
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* Backup ids are timestamps (or names barman checked): nothing else is read. */
		if (!*line || strspn(line, "0123456789T") != strlen(line) || strlen(line) > 24)
			continue;
		ids = xrealloc(ids, (n + 1) * sizeof(*ids));
		infos = xrealloc(infos, (n + 1) * sizeof(*infos));
		ids[n] = line;
		path = xasprintf("barman/%s/base/%s/backup.info", server, line);
		infos[n] = NULL;
		rc = host_get_file(rt, b, path, &infos[n], NULL);
		free(path);
		if (rc == PD_ENOTFOUND) {
			/* Listed a moment ago, deleted since: `barman cron` applying the retention
			 * policy to an obsolete backup. Not part of the archive any more. */
			error_clear();
			rc = -1;
			continue;
		}
		if (rc < 0)
			goto out;
		rc = -1;
		n++;
	}
	rc = barman_archive_parse(a, xlogdb, (const char *const *)ids, (const char *const *)infos, n);
out:
	for (i = 0; i < n; i++)
		free(infos[i]);
	free(infos);
	free(ids);
	free(list);
	free(xlogdb);
	return rc;
}
