# Shared set-up of the end-to-end scripts that run one server: source it from
# the repository root after test/tools.sh, then `e2e_start <tag> [VAR=value…]`.
#
# e2e_start makes $work (a temp dir the unprivileged API user can reach, see
# SECURITY.md), starts `kumo server` on a free port with its data in
# $work/data (the VAR=value arguments go into its environment), waits for
# "listening", sets $port and $pid, exports the credentials the server prints
# and an empty aws CLI configuration, and stops the server and removes $work on
# exit (a script may define `e2e_cleanup` to run first). `check WHAT CMD…`
# counts a result; `e2e_finish NAME` prints the counts and fails if one failed.
passed=0; failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed+1)); echo "ok   - $what"; else failed=$((failed+1)); echo "FAIL - $what"; fi; }

e2e_start() {
  local tag=$1; shift
  work=$(mktemp -d "/tmp/kumo-e2e-$tag.XXXXXX")
  chmod 755 "$work"
  env "$@" ./bin/kumo server --port 0 --data-dir "$work/data" >"$work/server.log" 2>&1 &
  pid=$!
  trap '{ declare -F e2e_cleanup >/dev/null && e2e_cleanup; }; kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
  port=""
  for _ in $(seq 1 300); do port=$(sed -n 's#.*listening on http://127.0.0.1:\([0-9]*\).*#\1#p' "$work/server.log" 2>/dev/null); [ -n "$port" ] && break; sleep 0.1; done
  [ -n "$port" ] || { cat "$work/server.log"; exit 1; }
  eval "$(grep -E '^\s+export AWS_' "$work/server.log" | sed 's/^ *//')"
  export AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
}

e2e_finish() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
