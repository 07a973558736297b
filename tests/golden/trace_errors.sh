#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Malformed trace programs: each must give exactly one located error, "FILE:LINE:COL: error: MESSAGE",
# then the source line and a caret under COL, exit 2 and print nothing on stdout; none may crash
# (this script also runs under ASan+UBSan in `make asan`). Cases needing tracefs or BPF run when
# available (root); the rest need nothing.
. "$(dirname "$0")/../testlib.sh"

[ -x "$SCORCH" ] || { fail "no scorch binary at $SCORCH"; finish; }

have_tracefs=0
if [ -r /sys/kernel/tracing/events/sched/sched_switch/format ] ||
	{ [ "$(id -u)" = 0 ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null &&
	  [ -r /sys/kernel/tracing/events/sched/sched_switch/format ]; }; then
	have_tracefs=1
fi
have_bpf=0
[ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ] && have_bpf=1
ncases=0
nskipped=0

# check_error NAME FILE EXPECT OUT ERR RC: the verdict on one run
check_error() {
	local name=$1 file=$2 expect=$3 out=$4 err=$5 rc=$6
	local first second third
	if [ "$rc" -ne 2 ]; then
		fail "$name: exit $rc, want 2"; sed 's/^/    /' "$err" | head -5; return
	fi
	if grep -q -E 'AddressSanitizer|runtime error|LeakSanitizer' "$err"; then
		fail "$name: sanitizer report"; head -20 "$err"; return
	fi
	if [ -s "$out" ]; then
		fail "$name: printed on stdout: $(head -c 200 "$out")"; return
	fi
	local nerr
	nerr=$(grep -c ': error: ' "$err")
	if [ "$nerr" -ne 1 ]; then
		fail "$name: $nerr error lines, want exactly 1"; sed 's/^/    /' "$err"; return
	fi
	first=$(sed -n 1p "$err")
	second=$(sed -n 2p "$err")
	third=$(sed -n 3p "$err")
	local re="^${file//./\\.}:([0-9]+):([0-9]+): error: "
	if ! [[ $first =~ $re ]]; then
		fail "$name: first line is not '$file:LINE:COL: error: ...': $first"; return
	fi
	local line=${BASH_REMATCH[1]} col=${BASH_REMATCH[2]}
	case $first in
	*"$expect"*) ;;
	*) fail "$name: message lacks '$expect': $first"; return ;;
	esac
	# the caret sits under COL (tabs in the source are kept in the caret line)
	local before=${third%%^*}
	if [ "${#before}" -ne $((col - 1)) ] || [[ $third != *^* ]]; then
		fail "$name: caret not under column $col: '$third'"; return
	fi
	# the quoted line is the source line LINE
	if [ "$file" = -e ]; then
		local want
		want=$(printf '%s\n' "$PROG" | sed -n "${line}p")
		[ "$second" = "$want" ] || { fail "$name: quoted line '$second' is not line $line of the program"; return; }
	fi
	ok "$name"
}

# case NEEDS NAME EXPECT PROGRAM: run `scorch trace -e PROGRAM`
case_e() {
	local needs=$1 name=$2 expect=$3
	PROG=$4
	ncases=$((ncases + 1))
	if { [ "$needs" = tracefs ] && [ $have_tracefs = 0 ]; } || { [ "$needs" = bpf ] && [ $have_bpf = 0 ]; }; then
		echo "skip: $name (needs $needs)"; nskipped=$((nskipped + 1)); return
	fi
	timeout 30 "$SCORCH" trace -e "$PROG" >"$T_WORK/out" 2>"$T_WORK/err"
	check_error "$name" -e "$expect" "$T_WORK/out" "$T_WORK/err" $?
}

# syntax
case_e none syntax_unclosed_call "expected ')' or ','" 'BEGIN { printf("x" }'
case_e none syntax_missing_semi "expected ';' or '}'" 'BEGIN { @x = 1 @y = 2 }'
case_e none syntax_eof_in_block "expected ';' or '}', found end of input" 'BEGIN { @x = 1'
case_e none syntax_no_body "expected '{' after the attach point" 'BEGIN'
case_e none syntax_empty_expr "expected an expression" 'BEGIN { @x = -; }'
case_e none syntax_bad_char "unexpected character '\`'" 'BEGIN { @x = `1; }'
case_e none syntax_unterminated_string "unterminated string" 'BEGIN { @x = "abc; }'
case_e none syntax_bad_escape "invalid escape character" 'BEGIN { printf("\q"); }'
case_e none syntax_unterminated_comment "unterminated comment" 'BEGIN { /* never closed }'
case_e none syntax_bad_int "invalid integer literal" 'BEGIN { @x = 12abc; }'
case_e none syntax_int_overflow "too large for 64 bits" 'BEGIN { @x = 99999999999999999999999; }'
case_e none syntax_assign_to_builtin "can only assign to a map" 'BEGIN { pid = 1; }'
case_e none syntax_tuple_assign "tuples are immutable" 'BEGIN { $t = (1, 2); $t.0 = 3; }'
case_e none syntax_empty_key "empty map key" 'BEGIN { @x[] = 1; }'
case_e none syntax_predicate_unclosed "expected '/' closing the predicate" 'BEGIN /pid == 1 { exit(); }'
case_e none syntax_multiline "expected ';' or '}'" 'BEGIN {
	@a = 1;
	@b = 2 3;
}'
# unknown names (with suggestions)
case_e none unknown_builtin "unknown identifier 'nsec'; did you mean 'nsecs'?" 'BEGIN { @x = nsec; }'
case_e none unknown_function "unknown function 'cont'; did you mean 'count'?" 'BEGIN { @x = cont(); }'
case_e none unknown_probe_type "unknown probe type 'tracepont'; did you mean 'tracepoint'?" 'tracepont:sched:sched_switch { exit(); }'
case_e none unknown_cast_type "unknown type 'uint128'" 'BEGIN { @x = (uint128)1; }'
case_e none unknown_stack_mode "unknown stack mode 'fast'" 'BEGIN { @x = kstack(fast); }'
case_e none unknown_software_event "did you mean 'cpu-clock'?" 'software:cpu-clok:100 { @ = count(); }'
case_e none unknown_profile_unit "unknown unit 'min'" 'profile:min:1 { @ = count(); }'
case_e none builtin_called "'pid' is a builtin variable, not a function" 'BEGIN { @x = pid(); }'
case_e tracefs unknown_tracepoint "did you mean 'tracepoint:sched:sched_switch'?" 'tracepoint:sched:sched_swtch { @ = count(); }'
case_e tracefs unknown_field "has no field 'next_com'; did you mean 'next_comm'?" 'tracepoint:sched:sched_switch { @[args->next_com] = count(); }'
case_e tracefs wildcard_matches_nothing "no tracepoint matches" 'tracepoint:sched:nothing_like_this_* { @ = count(); }'
case_e none uprobe_missing_binary "cannot open uprobe binary '/nonexistent/bin'" 'uprobe:/nonexistent/bin:main { @ = count(); }'
# types
case_e none type_var_mismatch "type mismatch for '\$x'" 'BEGIN { $x = "a"; $x = 1; }'
case_e none type_map_mismatch "type mismatch for '@x'" 'BEGIN { @x = 1; @x = "a"; }'
case_e none type_agg_mismatch "type mismatch for '@x'" 'BEGIN { @x = hist(1); @x = count(); }'
case_e none type_string_arith "operator '+' cannot be used on string[2] and int64" 'BEGIN { @x = "a" + 1; }'
case_e none type_string_order "strings can only be compared with == and !=" 'BEGIN { @x = "abc" < "abd"; }'
case_e none type_hist_string "hist() argument 1 must be an integer" 'BEGIN { @x = hist("a"); }'
case_e none type_ternary "the branches of ?: have different types" 'BEGIN { @x = pid ? 2 : "a"; }'
case_e none type_undefined_var "variable '\$z' is used before it is assigned" 'BEGIN { $y = $z + 1; }'
case_e none type_unassigned_map "map '@nope' is never assigned" 'BEGIN { print(@nope); }'
case_e none type_key_count "map '@x' has 1 key(s)" 'BEGIN { @x[1] = 1; @x[1, 2] = 2; }'
case_e none type_tuple_key "a tuple cannot be a map key" 'BEGIN { @[(1, 2)] = 1; }'
case_e none type_agg_unassigned "count() is an aggregation" 'BEGIN { count(); }'
case_e none type_agg_read "can only be printed" 'BEGIN { @c = count(); @x = @c + 1; }'
case_e none type_retval_in_begin "retval is only available in uretprobe" 'BEGIN { @x = retval; }'
case_e none join_of_a_string "join() needs an array of string pointers" 'BEGIN { join("x"); exit(); }'
case_e none type_args_in_begin "args is only available in tracepoint and kfunc probes" 'BEGIN { @x = args->foo; }'
case_e none type_arg_in_tracepoint_like "arg0 is not available in BEGIN probes" 'BEGIN { @x = arg0; }'
case_e none type_division_by_zero "division by zero" 'BEGIN { @x = 1 / 0; }'
case_e none type_break_outside "break outside a loop" 'BEGIN { break; }'
case_e none type_unroll_count "unroll count must be between 1 and 100" 'BEGIN { unroll(1000) { @x = 1; } }'
case_e none type_printf_not_literal "printf() argument 1 must be a string literal" 'BEGIN { printf(comm); }'
# argument counts and values
case_e none args_count_too_many "count() takes 0 arguments, not 1" 'BEGIN { @x = count(1); }'
case_e none args_lhist_too_few "lhist() takes 4 arguments, not 3" 'BEGIN { @x = lhist(1, 0, 10); }'
case_e none args_printf_format "printf: Not enough arguments for format string (1 supplied, 2 expected)" 'BEGIN { printf("%d %d\n", 1); }'
case_e none args_printf_extra "printf: Too many arguments for format string (2 supplied, 1 expected)" 'BEGIN { printf("%d\n", 1, 2); }'
case_e none args_lhist_step "lhist() step must be >= 1" 'BEGIN { @x = lhist(1, 0, 10, 0); }'
case_e none args_lhist_const "must be a constant integer" 'BEGIN { @x = lhist(1, 0, pid, 1); }'
case_e none args_str_len "str() length must be between 1 and 1024" 'BEGIN { @x = str(comm, 0); }'
case_e none args_delete_map "delete() needs a map element" 'BEGIN { delete(1); }'
case_e none args_clear_keys "clear() takes the whole map" 'BEGIN { @x[1] = 1; clear(@x[1]); }'
# verifier rejections, mapped back to the statement
case_e bpf verifier_infinite_loop "the BPF verifier rejected probe 'BEGIN': infinite loop detected" 'BEGIN { $i = 0; while ($i < 10) { } }'
# kfunc / kretfunc: the function and its parameters come from the kernel's BTF
case_e bpf kfunc_no_such_function "no kernel function 'no_such_fn_xyz' in the kernel's BTF" 'kfunc:no_such_fn_xyz { @ = count(); }'
case_e bpf kfunc_no_such_parameter "kernel function 'vfs_read' has no parameter 'cont'; did you mean 'count'?" 'kfunc:vfs_read { @ = args->cont; }'
case_e bpf kfunc_retval "retval is only available in uretprobe, kretprobe and kretfunc probes" 'kfunc:vfs_read { @ = retval; }'
case_e bpf kfunc_wildcard "kfunc wildcards are not supported" 'kfunc:vfs_* { @ = count(); }'

# a script file: the path and the right line
cat >"$T_WORK/bad.bt" <<'EOF'
// count reads
BEGIN {
	@start = nsecs;
}

END {
	@x = hist(comm);
}
EOF
ncases=$((ncases + 1))
timeout 30 "$SCORCH" trace "$T_WORK/bad.bt" >"$T_WORK/out" 2>"$T_WORK/err"
check_error file_line_numbers "$T_WORK/bad.bt" "hist() argument 1 must be an integer" "$T_WORK/out" "$T_WORK/err" $?
grep -q "^$T_WORK/bad.bt:7:12: error: " "$T_WORK/err" || fail "file_line_numbers: want $T_WORK/bad.bt:7:12, got $(head -1 "$T_WORK/err")"

# hostile input: no crash, exit 2, one located error
hostile() {
	local name=$1 file=$2
	ncases=$((ncases + 1))
	timeout 30 "$SCORCH" trace "$file" >"$T_WORK/out" 2>"$T_WORK/err"
	local rc=$?
	if [ $rc -ne 2 ] || grep -q -E 'AddressSanitizer|runtime error' "$T_WORK/err" || ! grep -q ': error: \|not a program' "$T_WORK/err"; then
		fail "$name: exit $rc: $(head -c 300 "$T_WORK/err")"
	else
		ok "$name"
	fi
}
head -c 4096 /dev/urandom | tr -d '\000' >"$T_WORK/garbage.bt"
hostile random_bytes "$T_WORK/garbage.bt"
printf 'BEGIN { @x = %s1%s; }\n' "$(printf '(%.0s' $(seq 5000))" "$(printf ')%.0s' $(seq 5000))" >"$T_WORK/deep.bt"
hostile deep_nesting "$T_WORK/deep.bt"
printf 'BEGIN { if (1) { %s } }\n' "$(printf 'if (1) { %.0s' $(seq 3000))" >"$T_WORK/deep_if.bt"
hostile deep_if "$T_WORK/deep_if.bt"
printf 'BEGIN { printf("a\000b"); }\n' >"$T_WORK/nul.bt"
hostile nul_byte "$T_WORK/nul.bt"
printf 'tracepoint:%s:x { }\n' "$(head -c 3000 /dev/zero | tr '\0' 'a')" >"$T_WORK/longname.bt"
hostile long_attach_point "$T_WORK/longname.bt"

echo "trace_errors: $ncases cases, $nskipped skipped for lack of tracefs/BPF"
finish
