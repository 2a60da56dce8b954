# Sourced by the e2e scripts: sets $AWS, $ZIP… to the programs the set-up installs
# (scripts/tools.manifest), never another copy found on PATH; exits naming the
# package when one is missing.
_manifest="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/tools.manifest"
tool() {
  local line where pkg
  line=$(awk -v n="$1" '$1 == n { print $2, $3 }' "$_manifest")
  [ -n "$line" ] || { echo "test tool $1 is not in scripts/tools.manifest" >&2; exit 2; }
  read -r where pkg <<<"$line"
  # A `*` in the path is a glob (the JDK's directory names its architecture): first executable match wins, as in test/tools.ts.
  local f
  for f in $where; do
    [ -x "$f" ] && { printf '%s\n' "$f"; return 0; }
  done
  echo "$1 is not installed at $where: install the Debian package $pkg (make deps does)" >&2
  exit 2
}
AWS=$(tool aws) || exit 2
ZIP=$(tool zip) || exit 2
