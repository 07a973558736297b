#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Print the frames of a flame graph SVG (flamegraph.pl's or scorch's), one per line:
#   NAME<TAB>INFO<TAB>X<TAB>Y<TAB>WIDTH<TAB>FILL
# NAME is the frame's name (the <title> text before its " (N samples, P%)" part),
# entities decoded, so two SVGs can be compared frame by frame.
use strict;
use warnings;

local $/;
my $svg = <>;
my %ent = (amp => '&', lt => '<', gt => '>', quot => '"', apos => "'");
sub unescape {
	my $s = shift;
	$s =~ s/&#x([0-9a-fA-F]+);/chr(hex($1))/ge;
	$s =~ s/&#([0-9]+);/chr($1)/ge;
	$s =~ s/&(amp|lt|gt|quot|apos);/$ent{$1}/g;
	return $s;
}
# Each frame is a group holding a <title>, then its <rect> (attributes in any order).
while ($svg =~ m{<g[^>]*>\s*<title>(.*?)</title>\s*<rect\s([^>]*?)/?>}sg) {
	my ($title, $attrs) = (unescape($1), $2);
	my %a;
	$a{$1} = $2 while $attrs =~ /([\w:-]+)="([^"]*)"/g;
	my $name = $title;
	$name =~ s/ \([^()]* [^()]*, [-0-9.]+%(?:; [-+0-9.]+%)?\)\z//s;
	$name =~ s/\t/ /g;
	$title =~ s/\t/ /g;
	print join("\t", $name, $title, $a{x} // '', $a{y} // '', $a{width} // '', $a{fill} // ''), "\n";
}
