#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Compare the frames of two flame graph SVGs: REFERENCE (flamegraph.pl's) and OURS (scorch's).
# Usage: compare_frames.pl [--exact] REF.svg OURS.svg
# Every reference frame must appear in ours with the same name and y, and x and width within
# 1 pixel. With --exact, its info text (<title>) and fill colour must be equal too, and the
# frame counts must agree. Prints one summary line; exits 1 on any mismatch.
use strict;
use warnings;
use FindBin;

my $exact = 0;
if (@ARGV && $ARGV[0] eq '--exact') { $exact = 1; shift; }
die "usage: $0 [--exact] REF.svg OURS.svg\n" unless @ARGV == 2;

sub frames {
	my $f = shift;
	open(my $fh, '-|', $^X, "$FindBin::Bin/svg_frames.pl", $f) or die "cannot read $f\n";
	my @r;
	while (<$fh>) {
		chomp;
		my ($name, $info, $x, $y, $w, $fill) = split /\t/, $_, -1;
		push @r, { name => $name, info => $info, x => $x, y => $y, w => $w, fill => $fill };
	}
	close $fh;
	return @r;
}

my @ref = frames($ARGV[0]);
my @ours = frames($ARGV[1]);
my %by;
push @{ $by{"$_->{name}\t$_->{y}"} }, $_ for @ours;
my ($matched, $info_bad, $fill_bad, @missing) = (0, 0, 0);
for my $r (@ref) {
	my $cands = $by{"$r->{name}\t$r->{y}"} || [];
	my ($best, $bd);
	for my $c (@$cands) {
		next if $c->{used};
		my $d = abs($c->{x} - $r->{x});
		($best, $bd) = ($c, $d) if !defined $bd || $d < $bd;
	}
	if ($best && $bd <= 1 && abs($best->{w} - $r->{w}) <= 1) {
		$best->{used} = 1;
		$matched++;
		$info_bad++ if $best->{info} ne $r->{info};
		$fill_bad++ if $best->{fill} ne $r->{fill};
	} else {
		push @missing, $r;
	}
}
printf "frames: reference %d, ours %d, matched %d, info differs %d, fill differs %d\n",
	scalar @ref, scalar @ours, $matched, $info_bad, $fill_bad;
for my $m (@missing[0 .. ($#missing < 4 ? $#missing : 4)]) {
	print "  missing: $m->{name} x=$m->{x} y=$m->{y} width=$m->{w}\n";
}
my $bad = @missing || !@ref;
$bad ||= $exact && ($info_bad || $fill_bad || @ref != @ours);
exit($bad ? 1 : 0);
