#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Validate JSON files strictly (RFC 8259) without recursion, so 10k-deep trees are fine:
# one value per file, well-formed UTF-8 only (RFC 3629), no control characters in strings, balanced nesting.
# Usage: json_check.pl FILE...   Exits 1 and names the first problem of each bad file.
use strict;
use warnings;

my $bad = 0;
for my $file (@ARGV) {
	open(my $fh, '<:raw', $file) or die "cannot open $file: $!\n";
	local $/;
	my $bytes = <$fh>;
	close $fh;
	my $err = check($bytes);
	if ($err) {
		print "$file: invalid JSON: $err\n";
		$bad = 1;
	}
}
exit $bad;

sub check {
	my $s = shift;
	pos($s) = 0;
	while ($s =~ /\G(?:[\x00-\x7f]++|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2})/gc) { }
	return "not UTF-8 at offset " . pos($s) if pos($s) < length($s);
	my @stack;    # '{' or '['
	my $want = 'value';    # value | value_or_close | key | key_or_close | colon | comma_or_close | end
	pos($s) = 0;
	while (1) {
		$s =~ /\G[ \t\r\n]*/gc;
		if (pos($s) >= length($s)) {
			return $want eq 'end' ? '' : "unexpected end (expected $want)";
		}
		my $at = pos($s);
		if ($want eq 'end') {
			return "trailing data at offset $at";
		} elsif ($want eq 'colon') {
			return "expected ':' at offset $at" unless $s =~ /\G:/gc;
			$want = 'value';
		} elsif ($want eq 'comma_or_close') {
			if ($s =~ /\G,/gc) {
				$want = $stack[-1] eq '{' ? 'key' : 'value';
			} elsif ($s =~ /\G([}\]])/gc) {
				my $open = pop @stack;
				return "mismatched '$1' at offset $at" unless $open eq ($1 eq '}' ? '{' : '[');
				$want = @stack ? 'comma_or_close' : 'end';
			} else {
				return "expected ',' or a close at offset $at";
			}
		} elsif ($want eq 'key' || $want eq 'key_or_close') {
			if ($want eq 'key_or_close' && $s =~ /\G\}/gc) {
				pop @stack;
				$want = @stack ? 'comma_or_close' : 'end';
				next;
			}
			return "expected a string key at offset $at" unless string($s);
			$want = 'colon';
		} else {    # value or value_or_close
			if ($want eq 'value_or_close' && $s =~ /\G\]/gc) {
				pop @stack;
				$want = @stack ? 'comma_or_close' : 'end';
				next;
			}
			if ($s =~ /\G\{/gc) {
				push @stack, '{';
				$want = 'key_or_close';
				next;
			}
			if ($s =~ /\G\[/gc) {
				push @stack, '[';
				$want = 'value_or_close';
				next;
			}
			if (!string($s) && $s !~ /\G(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null)/gc) {
				return "bad value at offset $at";
			}
			$want = @stack ? 'comma_or_close' : 'end';
		}
	}
}

sub string {
	return $_[0] =~ /\G"(?:[^"\\\x00-\x1f]++|\\(?:["\\\/bfnrt]|u[0-9a-fA-F]{4}))*+"/gc;
}
