#!/usr/bin/env bash
# Run every test project (unit, bunit, integration against a real PostgreSQL, Playwright e2e in Debian's Chromium).
# Installs what is missing (Chromium, PostgreSQL, Prometheus, prometheus-node-exporter, prometheus-alertmanager) with apt-get when it can, then
# prints one summary line.
set -euo pipefail
cd "$(dirname "$0")"
root="$PWD"

log() { printf '\n== %s\n' "$*"; }

have_postgres() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null 2>&1
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
have_postgres || missing+=(postgresql)
[ -x /usr/bin/prometheus-node-exporter ] || missing+=(prometheus-node-exporter)
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
[ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "test.sh: cannot install ${missing[*]} (need root or passwordless sudo); install them and re-run" >&2
    exit 1
  fi
fi
# The Debian postgresql, prometheus and prometheus-node-exporter packages may start their own services; the tests
# start private ones on free loopback ports and do not need them.

log "build (Release)"
dotnet build Console.sln -c Release -nologo -v quiet -clp:NoSummary

results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"
projects=(
  tests/OpsConsole.Core.Tests
  tests/SampleShop.Tests
  tests/OpsConsole.Web.Tests
  tests/OpsConsole.IntegrationTests
  e2e/OpsConsole.E2E
)

status=0
for project in "${projects[@]}"; do
  name="$(basename "$project")"
  log "test $name"
  if ! dotnet test "$project" -c Release --no-build -nologo \
      --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
      --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000; then
    status=1
  fi
done

# One closing line over all projects, from the TRX counters.
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  t="$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")"
  e="$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$(ls "$results"/*.trx 2>/dev/null | wc -l)" -lt "${#projects[@]}" ]; then
  echo "test.sh: a test project produced no results" >&2
  status=1
fi
if [ "$passed" -eq 0 ]; then
  status=1
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
