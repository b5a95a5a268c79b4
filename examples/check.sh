#!/bin/sh
# check.sh check|update - run every test case in expected/ under qemu-riscv32.
#
# A test case CASE is named by expected/CASE.status; it runs build/PROG.elf
# where PROG is CASE up to its first '.', e.g. segv.read runs segv.
# Optional inputs:
#   CASE.args   one argument per line; "@TMP@" becomes a fresh temporary dir
#   CASE.env    one NAME=VALUE per line; the guest environment is exactly this
#               (empty without the file)
#   CASE.stdin  standard input (default /dev/null)
# Outputs compared (check) or written (update): CASE.out (stdout), CASE.err
# (stderr), CASE.status (exit status as a shell reports it: 128+N for death
# by signal N).
set -u
mode=${1:-check}
QEMU=${QEMU:-qemu-riscv32}
cd "$(dirname "$0")" || exit 2
ulimit -c 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for st in expected/*.status; do
	case=$(basename "$st" .status)
	prog=${case%%.*}
	elf=build/$prog.elf
	work=$tmp/$case.d
	mkdir -p "$work"
	# Positional parameters: NAME=VALUE..., qemu, the ELF, its arguments.
	set --
	if [ -f "expected/$case.env" ]; then
		while IFS= read -r e || [ -n "$e" ]; do
			[ -n "$e" ] && set -- "$@" "$e"
		done <"expected/$case.env"
	fi
	set -- "$@" "$QEMU" "$elf"
	if [ -f "expected/$case.args" ]; then
		while IFS= read -r a || [ -n "$a" ]; do
			a=$(printf '%s' "$a" | sed "s|@TMP@|$work|g")
			set -- "$@" "$a"
		done <"expected/$case.args"
	fi
	stdin=/dev/null
	[ -f "expected/$case.stdin" ] && stdin=expected/$case.stdin
	# The subshell execs, so the status is qemu's own. The shell's own report
	# of a death by signal ("Segmentation fault") goes to the group's
	# /dev/null, not into CASE.err.
	{
		(exec env -i "$@" <"$stdin" >"$tmp/out" 2>"$tmp/err")
		echo $? >"$tmp/status"
	} 2>/dev/null
	if [ "$mode" = update ]; then
		cp "$tmp/out" "expected/$case.out"
		cp "$tmp/err" "expected/$case.err"
		cp "$tmp/status" "expected/$case.status"
		echo "updated $case (status $(cat "$tmp/status"))"
		continue
	fi
	ok=1
	for k in out err status; do
		if ! cmp -s "$tmp/$k" "expected/$case.$k"; then
			ok=0
			echo "FAIL $case: $k differs"
			diff "expected/$case.$k" "$tmp/$k" | head -20
		fi
	done
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		echo "ok   $case"
	else
		fail=$((fail + 1))
	fi
done
[ "$mode" = update ] && exit 0
echo "$pass passed, $fail failed"
[ $fail = 0 ]
