#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Normalise bpftrace-style output (text or -f json) before tests/live/trace_vs_bpftrace.sh compares the
# two tools. Usage: trace_normalize.pl MODE < output > normalised. The rules, applied in this order:
#
#   ties   (every mode) bpftrace sorts count/sum/min/max/int maps by value with an unstable sort over
#          kernel hash order, so entries with EQUAL values come out in random order. Within one map,
#          each run of consecutive one-line entries with the same value is sorted by its text.
#          Text:  "@m[k]: 5" lines; JSON: "k": 5 members of a {"type": "map"} line.
#   exact  ties only: everything else must be byte-identical.
#   shape  for timing-dependent programs: a map's entries are sorted by key (their values, so their
#          order, vary), then every hist/lhist bar "|@@@   |" becomes "||" and every integer becomes
#          N. Lines, keys and bucket rows must still match.
#   timing for latency histograms: ties, then each hist/lhist (its run of bucket rows in text, its
#          array of buckets in JSON) becomes "HIST total=N", its total count; bucket edges, per-bucket
#          counts and bars are dropped because sleep and wakeup times vary on a loaded machine. All
#          other numbers must match exactly.
#   stacks for programs keyed by stacks (sampled or unsymbolizable user stacks): each map becomes one
#          line "MAP @name entries>0 hottest-depth=D": the map name, that it has entries, and the
#          number of frames in its highest-count stack. Other lines must match as in shape.
use strict;
use warnings;

my $mode = shift @ARGV // 'exact';
my @lines = <STDIN>;
chomp @lines;

sub entry_value {
	my ($line) = @_;
	return $line =~ /^(@[A-Za-z0-9_]*)(?:\[.*\])?: (-?\d+)$/ ? ($1, $2) : ();
}

# text: sort runs of equal-valued one-line entries of the same map
sub ties_text {
	my @in = @_;
	my @out;
	my $i = 0;
	while ($i < @in) {
		my ($map, $val) = entry_value($in[$i]);
		if (!defined $map) {
			push @out, $in[$i++];
			next;
		}
		my $j = $i + 1;
		while ($j < @in) {
			my ($m2, $v2) = entry_value($in[$j]);
			last unless defined $m2 && $m2 eq $map && $v2 eq $val;
			$j++;
		}
		push @out, sort @in[$i .. $j - 1];
		$i = $j;
	}
	return @out;
}

# json: {"type": "map", "data": {"@m": {"k": 1, "k2": 1}}} -> members with equal values sorted
sub ties_json_line {
	my ($line) = @_;
	return $line unless $line =~ /^(\{"type": "map", "data": \{"(?:[^"\\]|\\.)*": \{)(.*)(\}\}\})$/;
	my ($head, $body, $tail) = ($1, $2, $3);
	my @members;
	while ($body =~ /\G"((?:[^"\\]|\\.)*)": (-?\d+)(?:, |$)/gc) {
		push @members, [ "\"$1\": $2", $2 ];
	}
	return $line unless defined pos($body) && pos($body) == length($body);
	my @out;
	my $i = 0;
	while ($i < @members) {
		my $j = $i + 1;
		$j++ while $j < @members && $members[$j][1] eq $members[$i][1];
		push @out, sort map { $_->[0] } @members[$i .. $j - 1];
		$i = $j;
	}
	return $head . join(', ', @out) . $tail;
}

sub shape {
	my ($line) = @_;
	$line =~ s/\|@*\s*\|/||/g;
	$line =~ s/-?\d+/N/g;
	return $line;
}

# timing: collapse each histogram to its total count
sub timing_text {
	my @in = @_;
	my @out;
	my $i = 0;
	while ($i < @in) {
		if ($in[$i] =~ /^(?:\(\.\.\., |\[)\S.*?\s+\d+ \|@*\s*\|$/) {
			my $total = 0;
			while ($i < @in && $in[$i] =~ /^(?:\(\.\.\., |\[)\S.*?\s+(\d+) \|@*\s*\|$/) {
				$total += $1;
				$i++;
			}
			push @out, "HIST total=$total";
			next;
		}
		push @out, $in[$i++];
	}
	return @out;
}

sub timing_json_line {
	my ($line) = @_;
	return $line unless $line =~ /^\{"type": "hist", /;
	$line =~ s{\[((?:\{[^{}]*\}(?:, )?)*)\]}{
		my $buckets = $1;
		my $total = 0;
		$total += $1 while $buckets =~ /"count": (\d+)/g;
		"HIST total=$total";
	}ge;
	return $line;
}

# stacks: one summary line per stack-keyed map, where its first entry was; other lines go through shape()
sub stacks_text {
	my @in = @_;
	my (@out, %best);
	my $i = 0;
	while ($i < @in) {
		if ($in[$i] =~ /^(@[A-Za-z0-9_]*)\[$/) {
			my $name = $1;
			my $depth = 0;
			$i++;
			while ($i < @in && $in[$i] !~ /^\]: \d+$/) {
				$depth++;
				$i++;
			}
			my $count = $i < @in && $in[$i] =~ /^\]: (\d+)$/ ? $1 : 0;
			$i++;
			push @out, "\0$name" unless exists $best{$name};
			$best{$name} = [ $count, $depth ] if !exists $best{$name} || $count > $best{$name}[0];
			next;
		}
		# An empty stack (sampled while the process exits, so no user frames) is a race, not a
		# difference: either tool may catch one.
		if ($in[$i] =~ /^@[A-Za-z0-9_]*\[\]: \d+$/) {
			$i++;
			next;
		}
		push @out, shape($in[$i++]);
	}
	return map { /^\0(.*)$/ ? "MAP $1 entries>0 hottest-depth=$best{$1}[1]" : $_ } @out;
}

sub stacks_json_line {
	my ($line) = @_;
	if ($line =~ /^\{"type": "map", "data": \{"((?:[^"\\]|\\.)*)": \{(.*)\}\}\}$/) {
		my ($name, $body) = ($1, $2);
		my ($best, $depth) = (-1, 0);
		my $n = 0;
		while ($body =~ /\G"((?:[^"\\]|\\.)*)": (-?\d+)(?:, |$)/gc) {
			my ($key, $count) = ($1, $2);
			next unless $key =~ /^\\n/;
			$n++;
			my $frames = () = $key =~ /\\n/g;
			($best, $depth) = ($count, $frames - 1) if $count > $best;
		}
		return "MAP $name entries>0 hottest-depth=$depth" if $n;
	}
	return shape($line);
}

my $json = grep { /^\{"type": / } @lines;
if ($mode eq 'shape') {
	# the values vary from run to run, so does their order among a map's entries (bpftrace sorts
	# maps by value): make them all equal, so that the ties rule sorts each map's entries by key
	@lines = map {
		my $l = $_;
		if ($l =~ /^(\{"type": "map", "data": \{"(?:[^"\\]|\\.)*": \{)(.*)(\}\}\})$/) {
			my ($head, $body, $tail) = ($1, $2, $3);
			$body =~ s/("(?:[^"\\]|\\.)*": )-?\d+/${1}0/g;
			$l = $head . $body . $tail;
		}
		$l =~ s/^(@[A-Za-z0-9_]*(?:\[.*\])?): -?\d+$/$1: 0/;
		$l;
	} @lines;
}
if ($json) {
	@lines = map { ties_json_line($_) } @lines;
} else {
	@lines = ties_text(@lines);
}
if ($mode eq 'shape') {
	@lines = map { shape($_) } @lines;
} elsif ($mode eq 'timing') {
	@lines = $json ? map { timing_json_line($_) } @lines : timing_text(@lines);
} elsif ($mode eq 'stacks') {
	@lines = $json ? map { stacks_json_line($_) } @lines : stacks_text(@lines);
} elsif ($mode ne 'exact') {
	die "trace_normalize.pl: unknown mode '$mode'\n";
}
print "$_\n" for @lines;
