#!/usr/bin/env bash
# Build and start the Operations Console on http://127.0.0.1:5080 (ASPNETCORE_URLS overrides), with the SampleShop
# demo platform beside it on http://127.0.0.1:5081 (SAMPLESHOP_URLS overrides), scraped as the target "sampleshop".
#   ./run.sh                 build, then run the console (embedded PostgreSQL unless ConnectionStrings__Console is set)
#   ./run.sh --no-demo       the same without the SampleShop demo platform
#   ./run.sh admin --help    the admin CLI (migrate, create-user, reset-password) against the same configuration
set -euo pipefail
cd "$(dirname "$0")"

demo=1
args=()
for arg in "$@"; do
  case "$arg" in
    --no-demo) demo=0 ;;
    *) args+=("$arg") ;;
  esac
done
export OPSCONSOLE_DEMO="$demo"
# The console reads Demo:Enabled; --no-demo always wins, otherwise an explicit Demo__Enabled is kept.
if [ "$demo" = 1 ]; then
  export Demo__Enabled="${Demo__Enabled:-true}"
else
  export Demo__Enabled=false
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "run.sh: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi

# Incremental Release build; its output is shown only when it fails.
build_log="$(mktemp)"
trap 'rm -f "$build_log"' EXIT
# SampleShop is a separate program the console launches (no compile-time reference), so it is built on its own.
projects=(src/OpsConsole.Web/OpsConsole.Web.csproj)
if [ "$demo" = 1 ] && [ "${args[0]:-}" != admin ]; then
  projects+=(src/SampleShop/SampleShop.csproj)
fi
for project in "${projects[@]}"; do
  if ! dotnet build "$project" -c Release -nologo -v quiet -tl:off >"$build_log" 2>&1; then
    cat "$build_log" >&2
    echo "run.sh: build of $project failed" >&2
    exit 1
  fi
done
rm -f "$build_log"
trap - EXIT

# The repository root is the content root (appsettings.json, wwwroot/), whatever the caller's directory.
export ASPNETCORE_CONTENTROOT="$PWD"
exec dotnet src/OpsConsole.Web/bin/Release/net10.0/OpsConsole.Web.dll ${args[@]+"${args[@]}"}
