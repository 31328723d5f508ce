"""The figures a report shows, read from the DOM Chromium built, against the journal it
was rendered from: each drill's verdict, each check's verdict and measured value, the lost
writes, the readiness counts. Usage: verify_dom.py JOURNAL DOM. Exit 1 with the
differences."""
import json
import sys
from html.parser import HTMLParser


class Report(HTMLParser):
    def __init__(self):
        super().__init__()
        self.drills = []      # data-outcome of each drill section, in order
        self.checks = []      # per drill: [(name, passed, value or None)]
        self.lost = []        # data-lost of each lost-writes line
        self.readiness = None
        self.phases_rto = []  # data-rto of each RTO phase table
        self.phases = []      # per phase table: {phase: observed seconds or None}
        self._row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "drill" in a.get("class", "").split():
            self.drills.append(a.get("data-outcome"))
            self.checks.append([])
        elif tag == "tr" and "data-check" in a:
            self._row = [a["data-check"], a.get("data-passed") == "true", None]
            self.checks[-1].append(self._row)
        elif tag == "td" and "data-value" in a and self._row is not None:
            self._row[2] = float(a["data-value"])
        elif tag == "p" and a.get("id") == "lost":
            self.lost.append(float(a["data-lost"]))
        elif tag == "table" and a.get("id") == "rto-phases":
            self.phases_rto.append(float(a["data-rto"]))
            self.phases.append({})
        elif tag == "tr" and "data-phase" in a and self.phases:
            obs = a.get("data-observed")
            self.phases[-1][a["data-phase"]] = float(obs) if obs is not None else None
        elif tag == "p" and a.get("id") == "readiness":
            self.readiness = {k: int(a["data-" + k]) for k in
                              ("drills", "drills-passed", "checks", "checks-passed")}


def main():
    journal = json.load(open(sys.argv[1]))
    page = Report()
    page.feed(open(sys.argv[2], encoding="utf-8").read())
    errors = []
    scenarios = journal["scenarios"]
    want_outcomes = [s.get("outcome") for s in scenarios]
    if page.drills != want_outcomes:
        errors.append(f"drill verdicts: page {page.drills}, journal {want_outcomes}")
    want_lost = []
    for i, s in enumerate(scenarios):
        want = [[c["name"], c["passed"], c.get("measure", {}).get("value")]
                for c in s["checks"]]
        got = page.checks[i] if i < len(page.checks) else []
        if len(got) != len(want):
            errors.append(f"{s['name']}: {len(got)} checks on the page, {len(want)} in the journal")
        for g, w in zip(got, want):
            if g[0] != w[0] or g[1] != w[1]:
                errors.append(f"{s['name']}: page says {g[0]} passed={g[1]}, journal {w[0]} passed={w[1]}")
            if (g[2] is None) != (w[2] is None) or (w[2] is not None and abs(g[2] - w[2]) > 1e-9):
                errors.append(f"{s['name']}: {w[0]} measured {g[2]} on the page, {w[2]} in the journal")
        for c in s["checks"]:
            if c["name"] == "lost writes" and "measure" in c:
                want_lost.append(float(c["measure"]["lost"]))
    if page.lost != want_lost:
        errors.append(f"lost writes: page {page.lost}, journal {want_lost}")
    checks = [c for s in scenarios for c in s["checks"]]
    want_ready = {"drills": len(scenarios),
                  "drills-passed": sum(s.get("outcome") == "passed" for s in scenarios),
                  "checks": len(checks), "checks-passed": sum(c["passed"] for c in checks)}
    if page.readiness != want_ready:
        errors.append(f"readiness: page {page.readiness}, journal {want_ready}")
    rto = [c for c in checks if c["name"] == "rto"]
    want_phases = [c["measure"]["value"] for c in rto
                   if c["passed"] or c.get("measure", {}).get("recovered") == 1]
    if any(abs(a - b) > 1e-9 for a, b in zip(page.phases_rto, want_phases)) or \
            len(page.phases_rto) > len(want_phases):
        errors.append(f"RTO phases: page {page.phases_rto}, journal {want_phases}")
    # The four phases from the logs' evidence: each observed span equals the journal's.
    shown = [c for c in rto if c["passed"] or c.get("measure", {}).get("recovered") == 1]
    for c, got in zip(shown, page.phases):
        m = c["measure"]
        f = m.get("failover")
        if not f:
            continue
        marks = [("detection", m["fault_s"]), ("promotion", f.get("promote_requested_s")),
                 ("rerouting", f.get("promoted_s")), ("reconnection", f.get("routed_s")),
                 (None, m["to_s"])]
        for (phase, start), (_, end) in zip(marks, marks[1:]):
            if phase == "reconnection" and start is None:
                start = f.get("promoted_s")
            want = None if start is None or end is None else end - start
            have = got.get(phase, "missing")
            if have == "missing" or (want is None) != (have is None) or \
                    (want is not None and abs(have - want) > 1e-6):
                errors.append(f"RTO phase {phase}: page {have}, journal {want}")
    print(f"{len(scenarios)} drills, {len(checks)} checks compared"
          + (f"; RTO {rto[0]['measure']['value']:.3f} s" if rto and "measure" in rto[0] else ""))
    for e in errors:
        print("MISMATCH:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
