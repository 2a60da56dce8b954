#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages of every program in scripts/tools.manifest
# that is not where the manifest says. A program of the same name elsewhere on
# PATH does not count: tests and the server use the manifest's paths.
#   scripts/deps.sh          install what is missing (needs root and apt-get)
#   scripts/deps.sh --check  only list what is missing; exit 1 if anything is
# (KUMO_TOOLS_MANIFEST=<file> reads another manifest: for the tests of this script.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
missing_pkgs=()
missing_desc=()
while read -r name where pkg _; do
  case "$name" in ''|'#'*) continue ;; esac
  if [[ $where == python:* ]]; then
    /usr/bin/python3 -c "import ${where#python:}" 2>/dev/null && continue
  elif [[ $where == file:* ]]; then
    [ -f "${where#file:}" ] && continue
  else
    # A `*` in the path (the PostgreSQL major version) is a glob: any executable match counts.
    found=""
    for f in $where; do [ -x "$f" ] && { found=1; break; }; done
    [ -n "$found" ] && continue
  fi
  missing_desc+=("$name ($where, package $pkg)")
  [[ " ${missing_pkgs[*]-} " == *" $pkg "* ]] || missing_pkgs+=("$pkg")
done < "${KUMO_TOOLS_MANIFEST:-tools.manifest}"
[ ${#missing_pkgs[@]} -eq 0 ] && exit 0
if [ "${1-}" = "--check" ]; then
  printf 'missing: %s\n' "${missing_desc[@]}"
  exit 1
fi
echo "installing: ${missing_pkgs[*]}"
if ! command -v apt-get >/dev/null; then
  printf 'missing: %s\n' "${missing_desc[@]}" >&2
  echo "no apt-get on this machine: install these packages by hand" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
# Check again: a package that installed elsewhere than the manifest says is a manifest bug.
exec "$here/deps.sh" --check
