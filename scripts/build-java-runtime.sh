#!/usr/bin/env bash
# Compiles Kumo's Java runtime (runtimes/java/src: the aws-lambda-java-core
# interfaces and kumo.lambda.runtime) into runtimes/java/build/kumo-java-runtime.jar
# with the JDK of scripts/tools.manifest. `make build` runs it; the tests of the
# Java runtime run it too. Does nothing when the jar is newer than every source.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/runtimes/java/src"
out="$root/runtimes/java/build"
jar_file="$out/kumo-java-runtime.jar"
manifest="$root/scripts/tools.manifest"
find_tool() {
  local where f
  where=$(awk -v n="$1" '$1 == n { print $2 }' "$manifest")
  for f in $where; do [ -x "$f" ] && { printf '%s\n' "$f"; return 0; }; done
  echo "$1 is not installed at $where: run make deps" >&2
  exit 1
}
if [ -f "$jar_file" ] && [ -z "$(find "$src" -name '*.java' -newer "$jar_file" -print -quit)" ]; then
  exit 0
fi
javac=$(find_tool javac)
jar=$(find_tool jar)
tmp=$(mktemp -d "$out.tmp.XXXXXX" 2>/dev/null || { mkdir -p "$out"; mktemp -d "$out.tmp.XXXXXX"; })
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/classes" "$out"
"$javac" --release 17 -Xlint:all -Werror -d "$tmp/classes" $(find "$src" -name '*.java' | sort)
"$jar" --create --file "$tmp/kumo-java-runtime.jar" -C "$tmp/classes" .
# Renamed into place: a JVM starting meanwhile sees the old jar or the new one, never half of one.
mv -f "$tmp/kumo-java-runtime.jar" "$jar_file"
