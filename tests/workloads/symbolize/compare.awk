# SPDX-License-Identifier: Apache-2.0
# Compare `scorch symbolize -a -f -i` (file 1) with `llvm-symbolizer --inlining --output-style=GNU -a -f`
# (file 2), address by address: function, inline chain and file:line. Prints every disagreement with
# its explanation (or UNEXPLAINED), then one summary line:
#   SUMMARY <label> total=N identical=N explained=N unexplained=N
# GNU's "??:?" and "file:?" are llvm's "??:0" and "file:0"; both are normalised to the latter.
# Usage: awk -v label=NAME -f compare.awk ours.txt llvm.txt
function norm_loc(s) {
	if (s ~ /:\?$/) sub(/:\?$/, ":0", s)
	return s
}
function load(file, recs, addrs,    n, line, cur) {
	n = 0
	while ((getline line < file) > 0) {
		if (line ~ /^0x[0-9a-fA-F]+$/) {
			n++
			addrs[n] = line
			recs[n] = ""
			cur = 0
			continue
		}
		if (n == 0) continue
		cur++
		if (cur % 2 == 0) line = norm_loc(line)
		recs[n] = recs[n] (cur > 1 ? " | " : "") line
	}
	close(file)
	return n
}
# c++filt's demangling of `name` (the second peer, for names llvm-symbolizer 14 leaves mangled or garbles).
function cxxfilt(name,    cmd, out) {
	if (name in filt_cache) return filt_cache[name]
	cmd = "c++filt '" name "'"
	out = ""
	cmd | getline out
	close(cmd)
	filt_cache[name] = out
	return out
}
# Known, explained differences; "" when unexplained.
function explain(ours, theirs,    f1, f2, n1, n2, i, names) {
	n1 = split(ours, f1, / \| /)
	n2 = split(theirs, f2, / \| /)
	if (n1 == n2) {
		names = 0
		for (i = 1; i <= n1; i++) {
			if (f1[i] == f2[i]) continue
			if (i % 2 == 0) { names = -1; break }
			if (cxxfilt(f2[i]) == f1[i] && f1[i] != f2[i]) { names++; continue }
			names = -1; break
		}
		if (names > 0)
			return "demangling: llvm-symbolizer 14 leaves the name mangled or garbles it; scorch prints what c++filt prints"
	}
	if (f1[1] ~ /@plt$/ && (f2[1] == "??" || f2[1] == "_init"))
		return "PLT stub: scorch names it func@plt as perf does; llvm-symbolizer 14 has no PLT names (it blames the unsized _init before the PLT, or nothing)"
	if (f1[1] ~ /^(_init|_fini)$/ && f2[1] == "??")
		return "scorch names .init/.fini entries from the symbol table"
	return ""
}
BEGIN {
	n1 = load(ARGV[1], a, aa)
	n2 = load(ARGV[2], b, ba)
	if (n1 != n2) {
		printf "UNEXPLAINED: %s: %d answers from scorch, %d from llvm-symbolizer\n", label, n1, n2
	}
	n = n1 < n2 ? n1 : n2
	same = 0; expl = 0; unexpl = (n1 != n2)
	for (i = 1; i <= n; i++) {
		if (a[i] == b[i]) { same++; continue }
		why = explain(a[i], b[i])
		if (why != "") {
			expl++
			printf "explained: %s %s\n  scorch: %s\n  llvm:   %s\n  why:    %s\n", label, ba[i], a[i], b[i], why
		} else {
			unexpl++
			printf "UNEXPLAINED: %s %s\n  scorch: %s\n  llvm:   %s\n", label, ba[i], a[i], b[i]
		}
	}
	printf "SUMMARY %s total=%d identical=%d explained=%d unexplained=%d\n", label, n, same, expl, unexpl
	exit 0
}
