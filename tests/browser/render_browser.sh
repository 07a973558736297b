#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The SVG viewer in a real browser: headless Debian chromium opens flame graphs rendered by
# scorch (with a test script injected into a copy) and we check: no XML error, hover shows the
# frame's info, Search highlights the frames and prints the "Matched" share computed here from
# the folded input, the case toggle works, a click on a frame zooms it (ancestors dimmed, others
# hidden), Reset Zoom restores every frame, the URL keeps ?s= and ?x=&y= and restores them on
# load, and hostile names stay text (no injected script runs).
. "$(dirname "$0")/../testlib.sh"
require_fixtures
CHROMIUM=
for c in chromium chromium-browser google-chrome; do command -v "$c" >/dev/null && { CHROMIUM=$(command -v "$c"); break; }; done
[ -n "$CHROMIUM" ] || skip "chromium not installed (scripts/install-deps.sh installs it)"
W=$T_WORK
FOLDED=$FIXTURES/stackcollapse/expected/perf-vertx-stacks-01.default.folded
FR=$TOP/tests/render/svg_frames.pl
SEARCH=ReadComplete
SEARCH_OTHER=readcomplete
ZOOM='org/vertx/java/core/net/impl/VertxHandler:.channelRead'
HOVER='io/netty/channel/nio/NioEventLoop:.run'

# inject FILE.svg OUT.svg: a copy with tests/browser/flame_test.js appended as a second script
inject() {
	perl -0pe 'BEGIN { local $/; open(my $f, "<", $ENV{JS}) or die; $js = <$f> }
		s{</svg>\s*\z}{<script type="text/ecmascript"><![CDATA[\n$js\n]]></script>\n</svg>\n}' "$1" > "$2"
}
export JS=$TOP/tests/browser/flame_test.js
# browse URL: the DOM after load, as chromium serializes it
browse() {
	local profile
	profile=$(mktemp -d "$W/chrome.XXXXXX")
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-dev-shm-usage --user-data-dir="$profile" --window-size=1400,1400 \
		--virtual-time-budget=5000 --dump-dom "$1" 2>"$W/chrome.err"
}
# result DUMP KEY: a field of the JSON the test script left in the DOM
result() { perl -ne 'if (/<text id="test-result">(\{.*?)<\/text>/) { my $j = $1; $j =~ s/&quot;/"/g; $j =~ s/&lt;/</g; $j =~ s/&gt;/>/g; $j =~ s/&amp;/&/g; print "$j\n" }' "$1" > "$1.json"; }
field() {
	perl -e 'local $/; my $j = <STDIN>; my $k = $ARGV[0];
		if ($j =~ /"\Q$k\E":("(?:[^"\\]|\\.)*"|\{[^}]*\}|[^,}]*)/) { my $v = $1; $v =~ s/^"(.*)"$/$1/s; $v =~ s/\\"/"/g; print $v }' "$2" < "$1.json"
}
# share ERE FLAGS: "Matched" text for regex ERE over the folded input (computed here, not by scorch)
share() {
	perl -e 'my ($re, $ci) = @ARGV; $re = $ci ? qr/$re/i : qr/$re/; my ($m, $t) = (0, 0);
		open(my $f, "<", $ENV{FOLDED}) or die;
		while (<$f>) { chomp; my ($s, $c) = /^(.*) (\d+)$/ or next; $t += $c;
			$m += $c if grep { /$re/ } split /;/, $s; }
		my $p = 100 * $m / $t; printf "Matched: %s%%", $p == 100 ? "100" : sprintf("%.1f", $p);' "$1" "${2:-}"
}
export FOLDED
enc() { perl -e '$_ = $ARGV[0]; s/([^A-Za-z0-9_.~-])/sprintf("%%%02X", ord $1)/ge; print' "$1"; }

"$SCORCH" render "$FOLDED" -o "$W/vertx.svg" || fail "render failed"
perl "$FR" "$W/vertx.svg" > "$W/frames.tsv"
inject "$W/vertx.svg" "$W/t.svg"
nframes=$(wc -l < "$W/frames.tsv")
want_hl=$(SEARCH=$SEARCH perl -F'\t' -lane '$n++ if $F[0] =~ /$ENV{SEARCH}/; END { print $n + 0 }' "$W/frames.tsv")
want_share=$(share "$SEARCH")
want_share_ci=$(share "$SEARCH_OTHER" i)
read -r zx zy zw < <(ZOOM=$ZOOM perl -F'\t' -lane 'if ($F[0] eq $ENV{ZOOM}) { print "$F[2] $F[3] $F[4]"; exit }' "$W/frames.tsv")
# frames a zoom on it must keep in full (its subtree) and dim (its ancestors), from the geometry
read -r want_shown want_parent < <(ZX=$zx ZY=$zy ZW=$zw perl -F'\t' -lane '
	BEGIN { ($zx, $zy, $zw) = @ENV{qw(ZX ZY ZW)} }
	if ($F[3] <= $zy && $F[2] >= $zx - 0.05 && $F[2] + $F[4] <= $zx + $zw + 0.05) { $s++ }
	elsif ($F[3] > $zy && $F[2] <= $zx + 0.05 && $F[2] + $F[4] >= $zx + $zw - 0.05) { $p++ }
	END { print $s + 0, " ", $p + 0 }' "$W/frames.tsv")
hover_title=$(HOVER=$HOVER perl -F'\t' -lane 'if ($F[0] eq $ENV{HOVER}) { print $F[1]; exit }' "$W/frames.tsv")

params=$(printf '{"mode":"ui","search":"%s","searchOtherCase":"%s","zoom":"%s","hover":"%s"}' "$SEARCH" "$SEARCH_OTHER" "$ZOOM" "$HOVER")
start=$(date +%s)
browse "file://$W/t.svg#$(enc "$params")" > "$W/ui.dom"
result "$W/ui.dom"
if [ ! -s "$W/ui.dom.json" ]; then
	fail "the test script left no result (XML error or script failure?): $(head -c 400 "$W/ui.dom") $(tail -3 "$W/chrome.err")"
	finish
fi
f() { field "$W/ui.dom" "$1"; }
[ -z "$(f error)" ] || fail "test script error: $(f error)"
[ "$(f parsererror)" = 0 ] && ok "no XML parse error in chromium" || fail "chromium reports an XML error"
[ "$(f frames)" = "$nframes" ] && ok "all $nframes frames in the DOM" || fail "$(f frames) frames in the DOM, expected $nframes"
[ "$(f details)" = "Function: $hover_title" ] && ok "hover: info bar shows '$(f details)'" || fail "hover: info bar '$(f details)', expected 'Function: $hover_title'"
[ "$(f matched)" = "$want_share" ] && ok "search /$SEARCH/: '$(f matched)' (from the folded input: $want_share)" || fail "search /$SEARCH/: '$(f matched)', expected '$want_share'"
[ "$(f highlighted)" = "$want_hl" ] && ok "search highlights the $want_hl matching frames" || fail "search highlighted $(f highlighted), expected $want_hl"
[ "$(f searchLabel)" = "Reset Search" ] || fail "search button reads '$(f searchLabel)'"
case "$(f urlSearch)" in *"s=$SEARCH"*) ok "search kept in the URL ($(f urlSearch))" ;; *) fail "URL after search: '$(f urlSearch)'" ;; esac
[ "$(f resetHighlighted)" = 0 ] && [ "$(f resetMatchedVisible)" = false ] && ok "Reset Search clears the highlight" || fail "reset search: $(f resetHighlighted) still highlighted"
[ "$(f matchedIgnoreCase)" = "$want_share_ci" ] && ok "ignore case: /$SEARCH_OTHER/i '$(f matchedIgnoreCase)'" || fail "ignore case: '$(f matchedIgnoreCase)', expected '$want_share_ci'"
[ "$(f matchedCaseSensitive)" = "Matched: 0.0%" ] && ok "case-sensitive again: /$SEARCH_OTHER/ matches nothing" || fail "case toggle back: '$(f matchedCaseSensitive)'"
[ "$(f clickHitFrame)" = true ] && ok "a click at the frame's position lands on it" || fail "click hit test missed the frame"
awk -v x="$(f zoomX)" -v w="$(f zoomWidth)" 'BEGIN { exit !(x > 9.9 && x < 10.1 && w > 1179.9 && w < 1180.1) }' &&
	ok "click zooms the frame to the full width (x=$(f zoomX) width=$(f zoomWidth))" || fail "after the click: x=$(f zoomX) width=$(f zoomWidth)"
zc=$(f zoomCounts)
shown=$(echo "$zc" | perl -ne 'print /"shown":(\d+)/'); parent=$(echo "$zc" | perl -ne 'print /"parent":(\d+)/'); hidden=$(echo "$zc" | perl -ne 'print /"hide":(\d+)/')
[ "$shown" = "$want_shown" ] && [ "$parent" = "$want_parent" ] && [ $((shown + parent + hidden)) = "$nframes" ] &&
	ok "zoom shows the $shown frames of its subtree, dims its $parent ancestors, hides $hidden" ||
	fail "zoom: shown $shown (want $want_shown), parents $parent (want $want_parent), hidden $hidden"
[ "$(f unzoomVisible)" = true ] || fail "Reset Zoom not shown after a zoom"
case "$(f urlZoom)" in *"x=$zx"*"y=$zy"*|*"y=$zy"*"x=$zx"*) ok "zoom kept in the URL ($(f urlZoom))" ;; *) fail "URL after zoom: '$(f urlZoom)'" ;; esac
[ "$(f restored)" = true ] && ok "Reset Zoom restores every frame's position, width and colour" || fail "Reset Zoom did not restore the frames"
[ "$(f unzoomHiddenAfterReset)" = true ] || fail "Reset Zoom still shown after reset"
case "$(f urlAfterReset)" in *x=*) fail "zoom still in the URL after reset: $(f urlAfterReset)" ;; *) ok "URL cleared after reset" ;; esac

# the URL state restores search and zoom on load
params='{"mode":"url","zoom":"'$ZOOM'"}'
browse "file://$W/t.svg?s=$SEARCH&x=$zx&y=$zy#$(enc "$params")" > "$W/url.dom"
result "$W/url.dom"
g() { field "$W/url.dom" "$1"; }
[ "$(g matched)" = "$want_share" ] && ok "?s= restores the search on load ($(g matched))" || fail "?s= on load: '$(g matched)', expected '$want_share'"
awk -v w="$(g zoomWidth)" 'BEGIN { exit !(w > 1179.9 && w < 1180.1) }' && [ "$(g unzoomVisible)" = true ] &&
	ok "?x=&y= restores the zoom on load" || fail "?x=&y= on load: zoomed width $(g zoomWidth)"

# hostile names: markup stays text, no injected script runs, and it can be searched for
printf '%s\n' 'main;</text><script>window.pwned=1</script>;a 5' 'main;</title><script>window.pwned=2</script><title>;b 5' \
	'main;"><script>window.pwned=3</script>;c 5' 'main;]]><script>window.pwned=4</script>;d 5' 'main;ok 10' > "$W/hostile.folded"
"$SCORCH" render "$W/hostile.folded" --title '</text><script>window.pwned=5</script>' -o "$W/hostile.svg" || fail "hostile render failed"
inject "$W/hostile.svg" "$W/h.svg"
browse "file://$W/h.svg#$(enc '{"mode":"hostile","search":"<script>window"}')" > "$W/h.dom"
result "$W/h.dom"
h() { field "$W/h.dom" "$1"; }
[ "$(h parsererror)" = 0 ] && [ -n "$(h frames)" ] && ok "hostile names: the SVG loads" || fail "hostile names: no result ($(head -c 300 "$W/h.dom"))"
[ "$(h pwned)" = false ] && [ "$(h scripts)" = 2 ] && ok "hostile names: no injected script ran (2 scripts: ours and the test's)" || fail "hostile names: pwned=$(h pwned) scripts=$(h scripts)"
want_h=$(FOLDED=$W/hostile.folded share '<script>window')
[ "$(h matched)" = "$want_h" ] && [ "$(h highlighted)" = 4 ] && ok "hostile names are searchable text ($(h matched))" || fail "hostile search: '$(h matched)' highlighted $(h highlighted)"
echo "browser checks took $(( $(date +%s) - start ))s"
finish
