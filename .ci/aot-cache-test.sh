#!/usr/bin/env bash
# ./carnot with a corrupt, truncated, stale, locked and uncreatable AOT cache: every run exits 0 and prints the same
# stdout as a run without a cache (JVM warnings about the cache go to stderr only); a stale cache is made anew.
# Costs two short training runs (the cache is made twice, in a scratch folder; the real one is not touched).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cmd=(data list)
expect="$(CARNOT_AOT=off ./carnot "${cmd[@]}" 2>/dev/null)"
export CARNOT_AOT=on
check() { # WHAT ENV...: run cmd with the environment given; it must succeed with the expected stdout
  local what="$1"; shift
  local out rc=0
  out="$(env "$@" ./carnot "${cmd[@]}" 2>"$tmp/err")" || rc=$?
  if [ "$rc" -ne 0 ]; then echo "aot-cache-test: $what FAILED: exit $rc"; cat "$tmp/err"; exit 1; fi
  if [ "$out" != "$expect" ]; then
    echo "aot-cache-test: $what FAILED: stdout differs from a run without a cache:"
    diff <(echo "$expect") <(echo "$out") || true
    exit 1
  fi
  echo "aot-cache-test: $what: ok"
}
f="$tmp/cache/carnot.aot"
mkdir -p "$tmp/cache"
[ "$(CARNOT_AOT_FILE="$f" ./carnot aot 2>/dev/null)" = "$f" ] && [ -s "$f" ] && [ -s "$f.key" ] \
  || { echo "aot-cache-test: ./carnot aot made no cache at $f"; exit 1; }
check "fresh cache" CARNOT_AOT_FILE="$f"
cp "$f" "$tmp/good.aot"
head -c 4096 "$tmp/good.aot" >"$f"
check "truncated cache" CARNOT_AOT_FILE="$f"
head -c 1000000 /dev/urandom >"$tmp/garbage.aot"
cp "$tmp/garbage.aot" "$f"
check "corrupt cache" CARNOT_AOT_FILE="$f"
key="$(cat "$f.key")"
echo stale >"$f.key"
check "stale cache (made anew)" CARNOT_AOT_FILE="$f"
[ "$(cat "$f.key")" = "$key" ] && [ -s "$f" ] && ! cmp -s "$f" "$tmp/garbage.aot" \
  || { echo "aot-cache-test: the stale cache was not made anew"; exit 1; }
rm -f "$f" "$f.key"
mkdir "$f.lock"
check "cache being made by another run" CARNOT_AOT_FILE="$f"
[ ! -e "$f" ] || { echo "aot-cache-test: a run made the cache while another held the lock"; exit 1; }
rmdir "$f.lock"
check "uncreatable cache" CARNOT_AOT_FILE=/proc/carnot-no-such-dir/carnot.aot
check "no cache (CARNOT_AOT=off)" CARNOT_AOT=off
check "no cache (the default)" -u CARNOT_AOT
echo "aot-cache-test: all passed"
