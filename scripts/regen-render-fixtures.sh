#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerate tests/fixtures/render/*.flamegraph-pl.svg (and *.difffolded, difffolded.pl's output
# sorted) with the real flamegraph.pl / difffolded.pl.
# Usage: FLAMEGRAPH_DIR=/path/to/FlameGraph scripts/regen-render-fixtures.sh
# (a checkout of https://github.com/brendangregg/FlameGraph; the fixtures were made at 41fee1f).
# Cases are listed in tests/fixtures/render/cases.txt. flamegraph.pl's embedded script is
# left out of the fixtures: the comparison needs only the frames, and its code is not ours.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${FLAMEGRAPH_DIR:?set FLAMEGRAPH_DIR to a FlameGraph checkout}"
FIXTURES=${SCORCH_FIXTURES:-$PWD/../shared/fixtures}
IN=$FIXTURES/stackcollapse/expected
OUT=tests/fixtures/render
fg=$FLAMEGRAPH_DIR/flamegraph.pl
df=$FLAMEGRAPH_DIR/difffolded.pl
[ -f "$fg" ] && [ -f "$df" ] || { echo "no flamegraph.pl/difffolded.pl in $FLAMEGRAPH_DIR" >&2; exit 1; }

strip_script() { perl -0pe 's{<script type="text/ecmascript">.*?</script>}{<!-- script left out of the fixture -->}s'; }

n=0
while IFS='|' read -r name kind inputs opts; do
	name=$(echo "$name" | xargs); kind=$(echo "$kind" | xargs)
	[ -z "$name" ] || [[ $name == \#* ]] && continue
	read -r -a ins <<<"$inputs"
	read -r -a op <<<"$opts"
	files=(); for i in "${ins[@]}"; do files+=("$IN/$i.folded"); done
	if [ "$kind" = diff ]; then
		dopts=(); fopts=()
		for o in "${op[@]+"${op[@]}"}"; do case $o in -n|-s) dopts+=("$o") ;; *) fopts+=("$o") ;; esac; done
		perl "$df" "${dopts[@]+"${dopts[@]}"}" "${files[@]}" | LC_ALL=C sort > "$OUT/$name.difffolded"
		perl "$fg" "${fopts[@]+"${fopts[@]}"}" "$OUT/$name.difffolded" 2>/dev/null | strip_script > "$OUT/$name.flamegraph-pl.svg"
	else
		perl "$fg" "${op[@]+"${op[@]}"}" "${files[@]}" 2>/dev/null | strip_script > "$OUT/$name.flamegraph-pl.svg"
	fi
	n=$((n+1))
done < "$OUT/cases.txt"
# Colours of every palette (and --hash) for the names of palette.folded: palette, name, fill.
# The names keep their annotations (flamegraph.pl colours "foo_[k]" but shows "foo"); a name
# drawn in two colours (chain: "--" before and after the waker separator) is left out.
{
	for pal in hot mem io wakeup chain java js perl red green blue aqua yellow purple orange hash; do
		if [ $pal = hash ]; then o=(--hash); else o=(--colors "$pal"); fi
		perl "$fg" "${o[@]}" "$OUT/palette.folded" 2>/dev/null |
			PAL=$pal PF="$OUT/palette.folded" perl -ne 'BEGIN { open(my $pf, "<", $ENV{PF}) or die; my $l = <$pf>; chomp $l; $l =~ s/ \d+$//;
					for (split /;/, $l) { (my $s = $_) =~ s/_\[[kwij]\]$//; $full{$s} //= $_ } }
				  while (m{<title>(.*?) \([^()]*\)</title><rect [^>]*fill="([^"]+)"}g) {
					my ($n, $f) = ($1, $2); next if $n eq "all";
					$n =~ s/&amp;/&/g; $n =~ s/&lt;/</g; $n =~ s/&gt;/>/g; $n =~ s/&quot;/"/g;
					$fills{$n}{$f} = 1; push @order, $n unless $seen{$n}++ }
				  END { for my $n (@order) { my @f = keys %{ $fills{$n} };
					print "$ENV{PAL}\t$full{$n}\t$f[0]\n" if @f == 1 } }'
	done
} > "$OUT/palette-flamegraph-pl.tsv"
echo "regenerated $n fixtures in $OUT (flamegraph.pl at $(git -C "$FLAMEGRAPH_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown))"
