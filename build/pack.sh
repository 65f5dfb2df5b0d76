#!/usr/bin/env bash
# Packs every package ModelKit ships (each src/* project: ModelKit with its generator and build targets, ModelKit.Onnx,
# ModelKit.Remote, ModelKit.Protocol, ModelKit.OnnxFormat, ModelKit.Server and the `modelkit` tool ModelKit.Cli).
#   build/pack.sh [OUTPUT_DIR] [extra dotnet pack arguments, e.g. -p:PackageVersion=0.2.0-preview.1]
# OUTPUT_DIR defaults to artifacts/packages, which nuget.config lists as the local feed "modelkit-local".
# The projects are packed through one throw-away solution, so MSBuild builds them in parallel, once each.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/artifacts/packages}"
[ $# -gt 0 ] && shift
mkdir -p "$out"
out="$(cd "$out" && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/packages.slnx" <<SLNX
<Solution>
$(for project in "$root"/src/*/*.csproj; do echo "  <Project Path=\"$project\" />"; done)
</Solution>
SLNX

dotnet pack "$work/packages.slnx" -c Release --nologo -p:PackageOutputPath="$out/" "$@"
echo "Packages in $out:"
ls -1 "$out"/*.nupkg
