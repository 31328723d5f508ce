#include "report/phases.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/failover_timing.h"
#include "report/fields.h"
#include "report/html.h"

/* The difference beyond which observed and predicted disagree. */
#define PHASE_TOLERANCE_S 1.0

static json_object *check_named(json_object *scenario, const char *name)
{
	json_object *checks = field_of(scenario, "checks", json_type_array);
	size_t i;

	for (i = 0; i < field_len(checks); i++)
		if (strcmp(field_str(field_at(checks, i), "name", ""), name) == 0)
			return field_at(checks, i);
	return NULL;
}

/* When a standby streamed again after `after`: the lag sampler's window, from the last
 * sample that saw no standby streaming to the first that saw one (NAN, NAN: never). */
static void standby_streaming_after(json_object *scenario, double after, double *lo, double *hi)
{
	json_object *events = field_of(scenario, "events", json_type_array);
	size_t i, k;

	*lo = *hi = NAN;
	for (i = 0; i < field_len(events); i++) {
		json_object *tl = field_of(field_of(field_at(events, i), "data", json_type_object),
		                           "timeline", json_type_object);
		json_object *lag = field_of(tl, "lag_bytes", json_type_object);

		if (!lag)
			continue;
		json_object_object_foreach(lag, name, points)
		{
			double before = after;

			(void)name;
			for (k = 0; k < field_len(points); k++) {
				json_object *p = field_at(points, k), *t = field_at(p, 0), *v = field_at(p, 1);
				double ts = t ? json_object_get_double(t) : NAN;

				if (!(ts > after))
					continue;
				if (!v || !json_object_is_type(v, json_type_int)) {
					before = ts;
					continue;
				}
				if (isnan(*hi) || ts < *hi) {
					*hi = ts;
					*lo = before;
				}
				break;
			}
		}
	}
}

/* The first write listener's check timers in the resolved lab. */
static json_object *write_listener(json_object *lab)
{
	json_object *ls = field_of(field_of(lab, "haproxy", json_type_object), "listeners",
	                           json_type_array);
	size_t i;

	for (i = 0; i < field_len(ls); i++)
		if (strcmp(field_str(field_at(ls, i), "target", ""), "primary") == 0)
			return field_at(ls, i);
	return NULL;
}

static void predict(json_object *provenance, struct rto_phases *p)
{
	json_object *lab = field_of(provenance, "lab_resolved", json_type_object);
	json_object *repmgr = field_of(lab, "repmgr", json_type_object);
	json_object *listener = write_listener(lab);
	json_object *wl = field_of(lab, "workload", json_type_object);
	struct failover_timing t;

	if (!repmgr || !listener || !field_has_num(repmgr, "reconnect_attempts"))
		return;
	failover_timing((int64_t)field_num(repmgr, "monitor_interval_ms", 1000),
	                (int64_t)field_num(repmgr, "reconnect_interval_ms", 1000),
	                (long)field_num(repmgr, "reconnect_attempts", 3),
	                (int64_t)field_num(listener, "check_interval_ms", 1000),
	                (long)field_num(listener, "rise", 1), &t);
	p->detect_lo = t.detect_lo;
	p->detect_hi = t.detect_hi;
	p->route_hi = t.route_hi;
	p->client = field_num(wl, "reconnect_backoff_ms", 0) / 1000.0;
	p->predicted_lo = p->detect_lo + p->client;
	p->predicted_hi = p->detect_hi + p->route_hi + p->client;
	p->predicted = true;
}

/* The logs' times, kept only in order: asked <= ready <= routed, inside the window. */
static void evidence(json_object *f, struct rto_phases *p)
{
	double asked = field_num(f, "promote_requested_s", NAN);
	double ready = field_num(f, "promoted_s", NAN), routed = field_num(f, "routed_s", NAN);

	if (!f || isnan(asked) || asked < p->fault || asked > p->first_ok)
		return;
	snprintf(p->new_primary, sizeof(p->new_primary), "%s", field_str(f, "host", "?"));
	snprintf(p->listener, sizeof(p->listener), "%s", field_str(f, "listener", "?"));
	p->log_asked = asked;
	if (!isnan(ready) && ready >= asked && ready <= p->first_ok)
		p->log_ready = ready;
	if (!isnan(p->log_ready) && !isnan(routed) && routed >= p->log_ready && routed <= p->first_ok)
		p->log_routed = routed;
}

void rto_phases(json_object *scenario, json_object *provenance, struct rto_phases *p)
{
	json_object *rto = check_named(scenario, "rto"), *m;
	json_object *np = check_named(scenario, "new primary");

	memset(p, 0, sizeof(*p));
	p->promoted = p->standby_lo = p->standby_hi = NAN;
	p->log_asked = p->log_ready = p->log_routed = NAN;
	m = field_of(rto, "measure", json_type_object);
	if (!m || !field_has_num(m, "fault_s") || field_num(m, "fault_s", -1) < 0 ||
	    !field_has_num(m, "to_s") || field_num(m, "recovered", 0) != 1)
		return;
	p->have = true;
	p->fault = field_num(m, "fault_s", 0);
	p->last_ok = field_num(m, "from_s", p->fault);
	p->first_ok = field_num(m, "to_s", p->fault);
	p->rto = field_num(m, "value", p->first_ok - p->last_ok);
	if (np && field_bool(np, "passed", false))
		p->promoted = field_num(np, "t", NAN);
	evidence(field_of(m, "failover", json_type_object), p);
	standby_streaming_after(scenario, isnan(p->promoted) ? p->fault : p->promoted,
	                        &p->standby_lo, &p->standby_hi);
	predict(provenance, p);
}

/* What a phase waits on, and so what explains it running past its timer. */
enum phase_cause {
	CAUSE_NONE,
	CAUSE_ELECTION, /* repmgrd noticing, electing, promoting */
	CAUSE_CHECKS,   /* haproxy's health checks */
	CAUSE_CLIENTS,  /* the clients' connections and commits */
};

/* One phase: observed from..to, predicted lo..hi (NAN: no timer governs it). */
struct phase {
	const char *key, *name;
	double from, to, lo, hi;
	char evidence[320];
	enum phase_cause cause;
};

static void range(struct strbuf *sb, double lo, double hi)
{
	if (isnan(hi))
		strbuf_puts(sb, "no timer");
	else if (lo == hi)
		strbuf_printf(sb, "%.1f&#160;s", hi);
	else
		strbuf_printf(sb, "%.1f&#8211;%.1f&#160;s", lo, hi);
}

static void row(struct strbuf *sb, const struct phase *ph, bool predicted)
{
	bool seen = !isnan(ph->from) && !isnan(ph->to);

	strbuf_puts(sb, "<tr data-phase=\"");
	html_token(sb, ph->key);
	strbuf_puts(sb, "\"");
	if (seen)
		strbuf_printf(sb, " data-observed=\"%.17g\"", ph->to - ph->from);
	strbuf_puts(sb, "><td>");
	strbuf_puts(sb, ph->name);
	strbuf_puts(sb, "</td><td class=\"num\">");
	if (seen)
		html_value(sb, ph->to - ph->from, "s");
	else
		strbuf_puts(sb, "-");
	strbuf_puts(sb, "</td><td class=\"num\">");
	if (predicted)
		range(sb, ph->lo, ph->hi);
	else
		strbuf_puts(sb, "?");
	strbuf_puts(sb, "</td><td class=\"detail\">");
	markup_text(sb, ph->evidence);
	strbuf_puts(sb, "</td></tr>\n");
}

/* The phases the journal has evidence for: four from the logs, else two. */
static size_t phases_of(const struct rto_phases *p, struct phase *out)
{
	size_t n = 0;

	out[n++] = (struct phase){"before", "from the last ok write to the fault", p->last_ok,
	                          p->fault, 0, 0, "negative: a write in flight when the fault "
	                                            "struck was acknowledged after it"};
	if (isnan(p->log_asked)) {
		out[n++] = (struct phase){"detection-promotion", "detection and promotion", p->fault,
		                          p->promoted, p->detect_lo, p->detect_hi,
		                          "to the new primary accepting writes (check.new_primary); "
		                          "predicted: repmgrd gives up (reconnect_attempts - 1) "
		                          "× reconnect_interval after it notices, within one "
		                          "monitor_interval and one more interval, plus the "
		                          "promotion itself",
		                          CAUSE_ELECTION};
		out[n++] = (struct phase){"rerouting-reconnection", "re-routing and reconnection",
		                          isnan(p->promoted) ? p->fault : p->promoted, p->first_ok, 0,
		                          p->route_hi + p->client,
		                          "to the first ok write through haproxy; predicted: rise × "
		                          "check_interval of the write listener, plus the clients' "
		                          "reconnect backoff",
		                          CAUSE_CLIENTS};
		return n;
	}
	out[n] = (struct phase){"detection", "detection", p->fault, p->log_asked, p->detect_lo,
	                        p->detect_hi, "", CAUSE_ELECTION};
	snprintf(out[n++].evidence, sizeof(out[0].evidence),
	         "to \"received promote request\" in %s's PostgreSQL log; predicted: repmgrd gives "
	         "up (reconnect_attempts - 1) × reconnect_interval after it notices, within one "
	         "monitor_interval and one more interval",
	         p->new_primary);
	out[n++] = (struct phase){"promotion", "promotion", p->log_asked, p->log_ready, NAN, NAN,
	                          "to \"archive recovery complete\" or \"database system is "
	                          "ready to accept connections\" in the same log, the first"};
	out[n] = (struct phase){"rerouting", "re-routing", p->log_ready, p->log_routed, 0,
	                        p->route_hi, "", CAUSE_CHECKS};
	snprintf(out[n++].evidence, sizeof(out[0].evidence),
	         "to \"Server %s/%s is UP\" in haproxy's log; predicted: rise × check_interval "
	         "of the write listener",
	         p->listener, p->new_primary);
	out[n++] = (struct phase){"reconnection", "reconnection",
	                          isnan(p->log_routed) ? p->log_ready : p->log_routed, p->first_ok,
	                          p->client, p->client,
	                          "to the first ok write through haproxy; predicted: the clients' "
	                          "reconnect backoff",
	                          CAUSE_CLIENTS};
	return n;
}

/* Why observed and predicted disagree, from the phases that ran past their timers. */
static void explain(struct strbuf *sb, const struct rto_phases *p, const struct phase *ph,
                    size_t n, const char *standby, bool with_standby)
{
	size_t i;

	strbuf_printf(sb, "<p class=\"phase-note\" data-disagree=\"true\"><strong>Observed and "
	                  "predicted disagree</strong> by more than %.0f&#160;s. ",
	              PHASE_TOLERANCE_S);
	for (i = 0; i < n; i++) {
		double took = ph[i].to - ph[i].from;

		if (ph[i].cause == CAUSE_NONE || isnan(took) || isnan(ph[i].hi) ||
		    took <= ph[i].hi + PHASE_TOLERANCE_S / 2)
			continue;
		strbuf_printf(sb, "The %s took %.3f&#160;s against at most %.1f&#160;s from the "
		                  "lab's timers",
		              ph[i].name, took, ph[i].hi);
		if (ph[i].cause == CAUSE_ELECTION)
			strbuf_puts(sb, ": repmgrd's election, or the promotion, was slow. ");
		else if (ph[i].cause == CAUSE_CHECKS)
			strbuf_puts(sb, ": haproxy's checks of the new primary were slow (a check that "
			                "ran into its timeout, a slow agent). ");
		else if (with_standby)
			strbuf_printf(sb, ". Writes came back within the half second in which a standby "
			                  "streamed from the new primary again (%s), which suggests "
			                  "they waited for it: with synchronous replication the new "
			                  "primary's commits wait for a standby, and repmgrd's follow of "
			                  "the other standby, which restarts it, is on no haproxy "
			                  "timer. ",
			              standby);
		else
			strbuf_puts(sb, ". Clients waited on connections haproxy held (its connect "
			                "timeout) or on commits: see the continuity check's errors. ");
	}
	if (p->rto < p->predicted_lo - PHASE_TOLERANCE_S)
		strbuf_puts(sb, "The failover was faster than repmgrd's timers predict: was the "
		                "primary's loss noticed by other means (a fenced node, a manual "
		                "promote)? ");
	strbuf_puts(sb, "</p>\n");
}

void rto_phases_html(struct strbuf *sb, const struct rto_phases *p)
{
	double promoted = isnan(p->log_ready) ? p->promoted : p->log_ready;
	struct phase ph[5];
	size_t n, i;
	bool with_standby;
	char standby[160] = "-";

	if (!p->have)
		return;
	if (isnan(promoted))
		promoted = p->fault;
	/* The writes came back while a standby was coming back: the sampler's window holds
	 * the first ok write (its samples are half a second apart). */
	with_standby = !isnan(p->standby_hi) && p->first_ok >= p->standby_lo &&
	               p->first_ok <= p->standby_hi + 0.1;
	if (!isnan(p->standby_hi))
		snprintf(standby, sizeof(standby), "between %.1f and %.1f&#160;s after the promotion",
		         fmax(p->standby_lo - promoted, 0), p->standby_hi - promoted);
	n = phases_of(p, ph);
	strbuf_printf(sb, "<h3>The RTO in phases</h3>\n<table class=\"phases\" id=\"rto-phases\" "
	                  "data-rto=\"%.17g\"",
	              p->rto);
	if (p->predicted)
		strbuf_printf(sb, " data-predicted-lo=\"%.17g\" data-predicted-hi=\"%.17g\"",
		              p->predicted_lo, p->predicted_hi);
	strbuf_puts(sb, "><thead><tr><th>phase</th><th>observed</th><th>predicted from the lab's "
	                "timers</th><th>evidence</th></tr></thead><tbody>\n");
	for (i = 0; i < n; i++)
		row(sb, &ph[i], p->predicted);
	strbuf_printf(sb, "<tr><td>(a standby streams again)</td><td class=\"num\">%s</td><td "
	                  "class=\"num\">-</td><td class=\"detail\">the lag sampler's samples "
	                  "around it; with synchronous replication the new primary's commits "
	                  "wait for it</td></tr>\n",
	              standby);
	strbuf_puts(sb, "<tr><th>RTO</th><td class=\"num\"><strong>");
	html_value(sb, p->rto, "s");
	strbuf_puts(sb, "</strong></td><td class=\"num\">");
	if (p->predicted)
		range(sb, p->predicted_lo, p->predicted_hi);
	else
		strbuf_puts(sb, "?");
	strbuf_puts(sb, "</td><td></td></tr>\n</tbody></table>\n");
	if (p->predicted && (p->rto > p->predicted_hi + PHASE_TOLERANCE_S ||
	                     p->rto < p->predicted_lo - PHASE_TOLERANCE_S))
		explain(sb, p, ph, n, standby, with_standby);
	else if (p->predicted)
		strbuf_puts(sb, "<p class=\"phase-note\" data-disagree=\"false\">The observed RTO is "
		                "within the prediction from the lab's timers.</p>\n");
}
