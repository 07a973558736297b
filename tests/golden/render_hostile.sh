#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile input for every output: frame names and option values full of markup, CDATA ends,
# quotes, control characters and invalid UTF-8, 10k-deep stacks and 1 MB lines must give
# well-formed XML (xmllint) with exactly our one script, the attacker's text only inside
# <title>/<text> text nodes (or the notes comment), and valid JSON. Run under ASan by `make asan`.
. "$(dirname "$0")/../testlib.sh"
command -v xmllint >/dev/null || skip "xmllint not installed (apt-get install libxml2-utils)"
W=$T_WORK
MARK=PWNED

# --- inputs -------------------------------------------------------------------------------------
perl -e '
my @names = (
	"a<b", "x&y", "q\"uote", "apos'"'"'s", "cdata]]>end", "</text><script>PWNED(1)</script>",
	"</title><script>PWNED(2)</script><title>", "<![CDATA[PWNED]]>", "<!-- PWNED -->", "--",
	"ctl\x01\x02\x07\x08\x0b\x0c\x1b\x1f\x7fPWNED", "tab\there", "cr\rPWNED",
	"bad\xff\xfeutf8PWNED", "overlong\xc0\xafPWNED", "surrogate\xed\xa0\x80PWNED", "cut\xe2\x82",
	"nonchar\xef\xbf\xbePWNED", "nul\x00PWNED", "ok\xc3\xa9\xe6\x97\xa5\xf0\x9f\x94\xa5",
	"\" onload=\"PWNED()", "javascript:PWNED()", "&amp;&lt;&#0;&#xd800;PWNED", "a_[k]", "b_[j]",
);
my $i = 0;
for my $n (@names) { print "root;$n;leaf", $i, " ", 10 + $i++, "\n"; }
print "root;", join(";", @names), " 100\n";
' > "$W/names.folded"
perl -e 'print join(";", map { "f$_" } 1..10000), " 5\n"; print "main;other 5\n"' > "$W/deep.folded"
perl -e 'print "main;", "L" x 1048576, ";PWNED<script>x</script> 7\n";
	print join(";", map { "w$_<frame>&" . ("x" x 1000) } 1 .. 1000), " 3\nmain;small 1\n"' > "$W/long.folded"

# --- checks -------------------------------------------------------------------------------------
xpath() { xmllint --xpath "$1" "$2" 2>/dev/null; }
# safe_svg NAME FILE: the SVG parses, holds our one script, and MARK is only in allowed text.
safe_svg() {
	local n=$1 f=$2 c
	if ! xmllint --noout "$f" 2>"$W/xmlerr"; then fail "$n: not well-formed XML: $(head -c 300 "$W/xmlerr")"; return; fi
	ok "$n: well-formed XML"
	c=$(xpath 'count(//*[local-name()="script"])' "$f")
	[ "$c" = 1 ] && ok "$n: exactly one <script>" || fail "$n: $c script elements"
	c=$(xpath 'count(//*[not(local-name()="svg" or local-name()="defs" or local-name()="linearGradient" or local-name()="stop" or local-name()="style" or local-name()="script" or local-name()="rect" or local-name()="text" or local-name()="g" or local-name()="title")])' "$f")
	[ "$c" = 0 ] && ok "$n: only flame graph elements" || fail "$n: $c unexpected elements"
	c=$(xpath 'count(//@*[starts-with(local-name(),"on")])' "$f")
	[ "$c" = 1 ] && ok "$n: one event attribute (our onload)" || fail "$n: $c event attributes"
	c=$(xpath "count(//@*[contains(.,\"$MARK\")])" "$f")
	[ "$c" = 0 ] && ok "$n: no attacker text in attributes" || fail "$n: attacker text in $c attributes"
	c=$(xpath "count(//text()[contains(.,\"$MARK\")][not(parent::*[local-name()=\"title\" or local-name()=\"text\"])])" "$f")
	[ "$c" = 0 ] && ok "$n: attacker text only in <title>/<text>" || fail "$n: attacker text in $c other text nodes"
	c=$(xpath "count(//processing-instruction())" "$f")
	[ "$c" = 0 ] || fail "$n: $c processing instructions"
	# the script is ours, unchanged
	if xpath 'string(//*[local-name()="script"])' "$f" | grep -q "$MARK"; then fail "$n: attacker text in the script"; fi
}
json_ok() { perl "$TOP/tests/render/json_check.pl" "$1"; }

HOSTILE='</text><script>PWNED(3)</script>]]><!--"'"'"'&amp;<x>'$'\x01\x1b''\xff PWNED'
HOSTILE_BYTES=$(printf '%b' "$HOSTILE")

for f in names deep long; do
	if "$SCORCH" render "$W/$f.folded" -o "$W/$f.svg" -o "$W/$f.json" -o "$W/$f.speedscope.json" 2>"$W/err"; then
		ok "$f: rendered"
	else
		fail "$f: render failed: $(head -c 300 "$W/err")"
	fi
	safe_svg "$f" "$W/$f.svg"
	check "$f: d3 JSON parses" json_ok "$W/$f.json"
	check "$f: speedscope JSON parses" json_ok "$W/$f.speedscope.json"
done

"$SCORCH" render "$W/names.folded" --title "$HOSTILE_BYTES" --subtitle "$HOSTILE_BYTES" \
	--nametype "$HOSTILE_BYTES" --countname "$HOSTILE_BYTES" --notes "$HOSTILE_BYTES -- -->" \
	-o "$W/opts.svg" -o "$W/opts.speedscope.json" 2>"$W/err" || fail "hostile options: render failed: $(cat "$W/err")"
safe_svg "hostile options" "$W/opts.svg"
check "hostile options: speedscope JSON parses" json_ok "$W/opts.speedscope.json"
c=$(xpath 'count(//comment()[contains(.,"PWNED")])' "$W/opts.svg")
[ "$c" = 1 ] && ok "notes stay one comment" || fail "notes: $c comments hold the notes"

"$SCORCH" diff "$W/names.folded" "$W/long.folded" -o "$W/diff.svg" -o "$W/diff.json" 2>"$W/err" || fail "diff failed: $(cat "$W/err")"
safe_svg "diff" "$W/diff.svg"
check "diff: JSON parses" json_ok "$W/diff.json"

# Option values that would break out of CSS or attributes are refused, not written.
for bad in "--fonttype=x;}</style><script>PWNED</script>" "--bgcolors=#fff\"/><script>" "--colors=<script>"; do
	if "$SCORCH" render "$W/names.folded" "$bad" -o "$W/bad.svg" 2>/dev/null; then
		fail "accepted $bad"
	else
		[ $? = 2 ] && ok "refused ${bad%%=*} with a usage error" || fail "refused ${bad%%=*} but not with exit 2"
	fi
done
[ ! -e "$W/bad.svg" ] || fail "a refused render left a file"

# Every name of names.folded is drawn: its frames, and the 10k-deep stack's 10001 (with the root).
c=$(xpath 'count(//*[local-name()="g"]/*[local-name()="title"])' "$W/deep.svg")
[ "$c" = 10003 ] && ok "deep: 10000-frame stack drawn whole ($c frames)" || fail "deep: $c frames, expected 10003"
c=$(xpath 'string-length(//*[local-name()="title"][starts-with(.,"LLLL")])' "$W/long.svg")
awk -v c="${c:-0}" 'BEGIN { exit !(c + 0 >= 1048576) }' && ok "long: 1 MB name kept in its title" || fail "long: title of the 1 MB name has length ${c:-0}"
finish
