#!/usr/bin/env bash
# Browser accessibility suite: starts Mizan on a loopback port with a throwaway SQLite database
# and the example survey (plus any test-only survey in tests/browser/surveys/), runs the Node
# suite against it with Debian's Chromium, and always stops the server.
# Run `npm ci` in tests/browser once first. Exit status non-zero on any failure.
# Registers an analyst and the kiosks the suite enrols (mizan analyst add, mizan kiosk add).
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
# The kiosk's idle script on its own, in seconds rather than minutes (no server needed).
echo "== kiosk script"
MIZAN_CHROMIUM="$chromium" node "$here/kiosk-script.js"

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
# Staff of the other roles for the staff pages (same password), made the same way.
export MIZAN_ADMIN="مدير.المتصفح"
export MIZAN_INTERVIEWER="browser.field"
export MIZAN_ANALYST="browser.analyst"
MIZAN_ANALYST_PASSWORD="browser-suite-$RANDOM$RANDOM-password"
export MIZAN_ANALYST_PASSWORD
printf '%s\n%s\n' "$MIZAN_ANALYST_PASSWORD" "$MIZAN_ANALYST_PASSWORD" |
  DATABASE_URL="sqlite://$work/browser.db" "$bin" analyst add "$MIZAN_ANALYST" >"$work/analyst.out" 2>&1 || {
  echo "tests/browser: could not create the analyst:" >&2
  cat "$work/analyst.out" >&2
  exit 1
}

# Kiosks, one per use (an enrolment code works once, and a kiosk holds one sitting, so the
# scenarios that run side by side need a screen each): `pages` for the page checks (a long idle
# time, so that no warning opens while a page is checked), and the scenarios' at the shortest
# idle time, 60 s. Each prints its one-time enrolment path, passed to the suite.
export MIZAN_KIOSK_IDLE=60
kiosk_add() {
  local name="$1" idle="$2" out
  out="$(DATABASE_URL="sqlite://$work/browser.db" "$bin" kiosk add --survey citizen-security \
    --site-ar "مركز شرطة الكرادة" --site-en "Karrada police station" \
    --stratum urban --cluster "browser-$name" --idle-seconds "$idle" 2>"$work/kiosk.err")" || {
    echo "tests/browser: could not register the kiosk '$name':" >&2
    cat "$work/kiosk.err" >&2
    exit 1
  }
  out="$(printf '%s' "$out" | tr -d '[:space:]')"
  case "$out" in
    /kiosk/enrol/?*) ;;
    *) echo "tests/browser: 'mizan kiosk add' printed '$out', not an enrolment path /kiosk/enrol/<code>" >&2; exit 1 ;;
  esac
  printf '%s' "$out"
}
MIZAN_KIOSK_ENROL_PAGES="$(kiosk_add pages 300)"
MIZAN_KIOSK_ENROL_TIMEOUT="$(kiosk_add timeout "$MIZAN_KIOSK_IDLE")"
MIZAN_KIOSK_ENROL_RESET="$(kiosk_add reset "$MIZAN_KIOSK_IDLE")"
MIZAN_KIOSK_ENROL_NOSCRIPT="$(kiosk_add noscript "$MIZAN_KIOSK_IDLE")"
MIZAN_KIOSK_ENROL_READER="$(kiosk_add reader "$MIZAN_KIOSK_IDLE")"
export MIZAN_KIOSK_ENROL_PAGES MIZAN_KIOSK_ENROL_TIMEOUT MIZAN_KIOSK_ENROL_RESET MIZAN_KIOSK_ENROL_NOSCRIPT MIZAN_KIOSK_ENROL_READER

for who in "admin:$MIZAN_ADMIN" "interviewer:$MIZAN_INTERVIEWER"; do
  printf '%s\n%s\n' "$MIZAN_ANALYST_PASSWORD" "$MIZAN_ANALYST_PASSWORD" |
    DATABASE_URL="sqlite://$work/browser.db" "$bin" user add "${who#*:}" --role "${who%%:*}" >>"$work/analyst.out" 2>&1 || {
    echo "tests/browser: could not create the ${who%%:*}:" >&2
    cat "$work/analyst.out" >&2
    exit 1
  }
done

DATABASE_URL="sqlite://$work/browser.db" "$bin" serve --listen 127.0.0.1:0 --surveys "$work/surveys" --link-submits-per-hour 100000 \
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
