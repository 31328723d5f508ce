# Renders a report in headless Chromium without a network (its own empty network
# namespace) and checks what any report must satisfy. Sourced by the report tests.
#   browse_report HTML OUTDIR NAME: OUTDIR/NAME.dom (the DOM after loading),
#   OUTDIR/NAME.png (a screenshot), OUTDIR/NAME.pdf (printed on A4), OUTDIR/NAME.console
#   (Chromium's log), OUTDIR/NAME-phone.png (390 px wide).
# Returns 1, saying why, when Chromium fails, logs a console message, or the page holds a
# script or refers to anything outside itself (a link, a source, a stylesheet), or scrolls
# sideways on a phone.
# On a phone (390 CSS pixels wide, every <details> open) the page must not scroll sideways:
# a test copy with tests/report/phone_probe.html appended measures it; OUTDIR/NAME-phone.png.
phone_fits() {
	local html=$1 out=$2 name=$3 browser=$4 probe scroll width
	shift 4
	probe="$out/$name-phone-probe.html"
	cat "$html" "$(dirname "${BASH_SOURCE[0]}")/phone_probe.html" >"$probe"
	local rc=0
	timeout 120 unshare -n "$browser" "$@" --window-size=390,844 --dump-dom "file://$probe" \
		>"$out/$name-phone.dom" 2>>"$out/$name.console" || rc=$?
	rm -f "$probe"
	[ "$rc" = 0 ] || { echo "chromium could not render $html at a phone's width" >&2; return 1; }
	timeout 120 unshare -n "$browser" "$@" --window-size=390,1800 \
		--screenshot="$out/$name-phone.png" "file://$html" >/dev/null 2>>"$out/$name.console" ||
		{ echo "chromium could not take a phone screenshot of $html" >&2; return 1; }
	scroll=$(grep -o 'data-phone-scroll="[0-9]*"' "$out/$name-phone.dom" | grep -o '[0-9]*')
	width=$(grep -o 'data-phone-width="[0-9]*"' "$out/$name-phone.dom" | grep -o '[0-9]*')
	if [ -z "$scroll" ] || [ -z "$width" ]; then
		echo "the phone probe did not report (see $out/$name-phone.dom)" >&2
		return 1
	fi
	if [ "$scroll" -gt "$width" ]; then
		echo "on a phone the page scrolls sideways: $scroll px wide in $width px;" \
			"$(grep -o 'data-phone-wide="[^"]*"' "$out/$name-phone.dom")" >&2
		return 1
	fi
}

browse_report() {
	local html=$1 out=$2 name=$3 browser
	browser=$(command -v chromium-headless-shell || command -v chromium || true)
	if [ -z "$browser" ]; then
		echo "no chromium-headless-shell or chromium: scripts/install-deps.sh installs it" >&2
		return 1
	fi
	mkdir -p "$out"
	local flags=(--no-sandbox --disable-gpu --enable-logging=stderr --v=0
		--user-data-dir="$out/.chromium-$name")
	if ! timeout 120 unshare -n "$browser" "${flags[@]}" --dump-dom "file://$html" \
		>"$out/$name.dom" 2>"$out/$name.console"; then
		echo "chromium could not render $html:" >&2
		tail -5 "$out/$name.console" >&2
		return 1
	fi
	timeout 120 unshare -n "$browser" "${flags[@]}" --window-size=1000,1900 \
		--screenshot="$out/$name.png" "file://$html" >/dev/null 2>>"$out/$name.console" ||
		{ echo "chromium could not take a screenshot of $html" >&2; return 1; }
	# Printed on A4 (the stylesheet's @page), as a DBA would put it in the on-call binder.
	timeout 120 unshare -n "$browser" "${flags[@]}" --no-pdf-header-footer \
		--print-to-pdf="$out/$name.pdf" "file://$html" >/dev/null 2>>"$out/$name.console" ||
		{ echo "chromium could not print $html" >&2; return 1; }
	head -c 5 "$out/$name.pdf" | grep -q '%PDF-' || { echo "no PDF printed" >&2; return 1; }
	phone_fits "$html" "$out" "$name" "$browser" "${flags[@]}" || return 1
	rm -rf "$out/.chromium-$name"
	if grep -a "CONSOLE" "$out/$name.console" >&2; then
		echo "the page logged to the console (above)" >&2
		return 1
	fi
	if grep -aqi "<script" "$html" "$out/$name.dom"; then
		echo "the report holds a script element" >&2
		return 1
	fi
	# Outside references: a link, source or stylesheet that is not an anchor in the page.
	if grep -aoiE "(href|src|action|srcset|data)=\"[^#\"][^\"]*\"|url\(|@import" "$out/$name.dom" >&2; then
		echo "the report refers to something outside itself (above)" >&2
		return 1
	fi
	test -s "$out/$name.png" || { echo "no screenshot" >&2; return 1; }
}
