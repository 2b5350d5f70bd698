#!/usr/bin/env bash
# Browser accessibility suite: starts Mizan on a loopback port with a throwaway SQLite database
# and the example survey (plus any test-only survey in tests/browser/surveys/), runs the Node
# suite against it with Debian's Chromium, and always stops the server.
# Run `npm ci` in tests/browser once first. Exit status non-zero on any failure.
# Environment: MIZAN_BIN (default target/debug/mizan, built with `cargo build` if needed),
# MIZAN_CHROMIUM (default /usr/bin/chromium), MIZAN_SCREENSHOTS (default tests/browser/screenshots).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
  echo "tests/browser: run 'npm ci' in tests/browser first" >&2
  exit 2
fi
chromium="${MIZAN_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "tests/browser: $chromium is missing (apt-get install chromium fonts-noto-core)" >&2
  exit 2
fi

# The checks themselves must be able to fail: each runs on a page with a known defect.
echo "== self-test of the checks"
MIZAN_CHROMIUM="$chromium" node "$here/selftest.js"

bin="${MIZAN_BIN:-}"
if [ -z "$bin" ]; then
  echo "== cargo build (debug binary)"
  cargo build --quiet --bin mizan
  bin="$root/target/debug/mizan"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mizan-browser.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The example survey, plus test-only surveys when present.
mkdir -p "$work/surveys"
cp "$root"/surveys/*.toml "$work/surveys/"
if compgen -G "$here/surveys/*.toml" >/dev/null; then cp "$here"/surveys/*.toml "$work/surveys/"; fi

# An analyst for the results pages (the password is read twice from stdin), in the same database.
export MIZAN_ANALYST="browser.analyst"
MIZAN_ANALYST_PASSWORD="browser-suite-$RANDOM$RANDOM-password"
export MIZAN_ANALYST_PASSWORD
printf '%s\n%s\n' "$MIZAN_ANALYST_PASSWORD" "$MIZAN_ANALYST_PASSWORD" |
  DATABASE_URL="sqlite://$work/browser.db" "$bin" analyst add "$MIZAN_ANALYST" >"$work/analyst.out" 2>&1 || {
  echo "tests/browser: could not create the analyst:" >&2
  cat "$work/analyst.out" >&2
  exit 1
}

DATABASE_URL="sqlite://$work/browser.db" "$bin" serve --listen 127.0.0.1:0 --surveys "$work/surveys" \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!

base=""
for _ in $(seq 1 300); do
  if line="$(grep -m1 -o 'listening on http://[0-9.:]*' "$work/server.out" 2>/dev/null)"; then
    base="${line#listening on }"
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "tests/browser: the server did not start; its output:" >&2
  cat "$work/server.out" "$work/server.err" >&2
  exit 1
fi
echo "== server on $base"

status=0
MIZAN_BASE_URL="$base" MIZAN_CHROMIUM="$chromium" node "$here/suite.js" "$@" || status=$?
if [ "$status" -ne 0 ] && [ -s "$work/server.err" ]; then
  echo "== server stderr (last 40 lines)"
  tail -n 40 "$work/server.err"
fi
exit "$status"
