#!/usr/bin/env bash
# ./carnot through a resident JVM (./carnot daemon start): the same stdout and exit codes as a fresh JVM, files
# written with the same bytes, a command in another directory or with CARNOT_DAEMON=off runs fresh, stop ends it.
# Uses its own runtime folder (XDG_RUNTIME_DIR), so a resident JVM of the user is never touched.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp="$(mktemp -d)"
export XDG_RUNTIME_DIR="$tmp/run"
trap './carnot daemon stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
fail() { echo "daemon-test: FAILED: $*"; exit 1; }
./carnot daemon start >/dev/null
./carnot daemon status >/dev/null || fail "status after start"
sock="$(ls "$XDG_RUNTIME_DIR"/carnot-*/*.sock)"
grad=(grad --model mlp --widths 4,16,3 --act tanh --seed 3 --dataset teacher --samples 40)
fresh="$(CARNOT_DAEMON=off ./carnot "${grad[@]}" --out "$tmp/fresh.npz" | sed 's/[0-9.]* ms)/T)/; s|/fresh.npz|/OUT|')"
for i in 1 2; do
  got="$(./carnot "${grad[@]}" --out "$tmp/d$i.npz" | sed 's/[0-9.]* ms)/T)/; s|/d'$i'.npz|/OUT|')"
  [ "$got" = "$fresh" ] || fail "stdout through the daemon (run $i) differs: '$got' vs '$fresh'"
  cmp -s <(unzip -p "$tmp/fresh.npz") <(unzip -p "$tmp/d$i.npz") || fail "the gradient written through the daemon differs"
done
grep -q "carnot-daemon-client\|serving $PWD" "${sock%.sock}.log" || fail "the daemon's log does not show it serving $PWD"
rc=0; ./carnot info --bogus 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "Unknown option: '--bogus'" "$tmp/err" || fail "a refused flag: exit $rc, stderr $(cat "$tmp/err")"
# a command from another directory goes to a fresh JVM (relative paths would otherwise resolve in the wrong place)
(cd "$tmp" && "$OLDPWD/carnot" daemon status >/dev/null) && fail "the daemon claims another directory"
./carnot daemon stop >/dev/null
for _ in $(seq 1 50); do [ -e "$sock" ] || break; sleep 0.1; done
[ -e "$sock" ] && fail "the socket $sock outlives stop"
./carnot daemon status >/dev/null && fail "status after stop"
got="$(./carnot "${grad[@]}" --out "$tmp/after.npz" 2>/dev/null | sed 's/[0-9.]* ms)/T)/; s|/after.npz|/OUT|')"
[ "$got" = "$fresh" ] || fail "a fresh JVM after stop printed '$got'"
# CARNOT_DAEMON=on starts one with the first command, which then runs through it
got="$(CARNOT_DAEMON=on ./carnot "${grad[@]}" --out "$tmp/on.npz" 2>/dev/null | sed 's/[0-9.]* ms)/T)/; s|/on.npz|/OUT|')"
[ "$got" = "$fresh" ] || fail "the first command with CARNOT_DAEMON=on printed '$got'"
./carnot daemon status >/dev/null || fail "CARNOT_DAEMON=on started no resident JVM"
grep -q "carnot-daemon-client\|serving $PWD" "${sock%.sock}.log" || fail "no log of the auto-started daemon"
./carnot daemon stop >/dev/null
echo "daemon-test: ok"
