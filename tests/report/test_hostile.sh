#!/usr/bin/env bash
# A report of a journal full of markup, attribute breakouts, control characters and
# wrong types renders in headless Chromium as text: no element or attribute of the
# journal's making, the title untouched, the hostile strings visible as written.
# Usage: test_hostile.sh PGDRILL SRC
set -uo pipefail
PGDRILL=$1
SRC=$2
source "$SRC/tests/report/browser.sh"
out=$(dirname "$PGDRILL")/test-artifacts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$SRC/tests/report/hostile/journal.json" "$work/"
fail=0

"$PGDRILL" report "$work" -o "$work/hostile.html" >/dev/null || { echo "FAIL: pgdrill report"; exit 1; }
browse_report "$work/hostile.html" "$out" hostile || fail=1
cp "$work/hostile.html" "$out/hostile.html"
python3 - "$work/journal.json" "$out/hostile.dom" <<'PY' || fail=1
import json, sys
from html.parser import HTMLParser

journal = json.load(open(sys.argv[1]))
dom = open(sys.argv[2], encoding="utf-8").read()

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.handlers, self.text = set(), [], []
        self.title, self._in_title, self._head = "", False, True
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.handlers += [k for k, _ in attrs if k.startswith("on")]
        self._in_title = tag == "title" and self._head  # the page's, not an SVG's
    def handle_endtag(self, tag):
        self._in_title = False
        self._head = self._head and tag != "head"
    def handle_data(self, data):
        self.text.append(data)
        if self._in_title:
            self.title += data

p = Page()
p.feed(dom)
errors = []
bad = p.tags & {"script", "img", "iframe", "object", "embed", "base", "link", "meta-refresh"}
if bad:
    errors.append(f"elements from the journal: {sorted(bad)}")
if p.handlers:
    errors.append(f"event-handler attributes: {p.handlers}")
if p.title != "pgdrill report: " + journal["lab"]:
    errors.append(f"the title is {p.title!r}")
text = "".join(p.text)
for s in ("<script>document.title='PWNED'</script>", "<img src=x onerror=\"document.title='PWNED'\">"):
    if s not in text:
        errors.append(f"{s!r} is not shown as text")
if "\x1b" in dom or "\x01" in dom:
    errors.append("control characters reached the page")
for e in errors:
    print("FAIL:", e)
print("ok: hostile strings render as text" if not errors else "")
sys.exit(1 if errors else 0)
PY
# The schema rejects it (wrong types, missing fields): the validation of real journals in
# the integration tests can fail.
if python3 "$SRC/tests/report/validate_journal.py" "$SRC/schema/journal.schema.json" \
	"$work/journal.json" >/dev/null; then
	echo "FAIL: the hostile journal validates against schema/journal.schema.json"
	fail=1
fi

# The browser checks can fail: a page with a script, one with an outside stylesheet, one
# wider than a phone.
echo '<html><body><script>console.log("x")</script></body></html>' >"$work/script.html"
echo '<html><head><link rel="stylesheet" href="http://example.invalid/s.css"></head></html>' \
	>"$work/link.html"
echo '<html><body><div style="width:2000px">wide</div></body></html>' >"$work/wide.html"
for page in script link wide; do
	if browse_report "$work/$page.html" "$work" "$page" 2>/dev/null; then
		echo "FAIL: browse_report passed a page with a $page"
		fail=1
	fi
done

[ "$fail" = 0 ] && echo "PASS: hostile report (screenshot: $out/hostile.png)" || echo "FAIL: hostile report"
exit "$fail"
