#!/usr/bin/env bash
# Build and start the Operations Console on http://127.0.0.1:5080 (ASPNETCORE_URLS overrides).
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

if ! command -v dotnet >/dev/null 2>&1; then
  echo "run.sh: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi

# Incremental Release build; its output is shown only when it fails.
build_log="$(mktemp)"
trap 'rm -f "$build_log"' EXIT
if ! dotnet build src/OpsConsole.Web/OpsConsole.Web.csproj -c Release -nologo -v quiet -tl:off >"$build_log" 2>&1; then
  cat "$build_log" >&2
  echo "run.sh: build failed" >&2
  exit 1
fi
rm -f "$build_log"
trap - EXIT

# The repository root is the content root (appsettings.json, wwwroot/), whatever the caller's directory.
export ASPNETCORE_CONTENTROOT="$PWD"
exec dotnet src/OpsConsole.Web/bin/Release/net10.0/OpsConsole.Web.dll ${args[@]+"${args[@]}"}
