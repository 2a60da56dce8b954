# Sourced by e2e scripts: with KUMO_TEST_DATABASE=postgres, a throwaway PostgreSQL
# (dist/test/postgres-cli.js) is started and KUMO_DATABASE_URL exported, so the
# server under test keeps its metadata, queue and logs there. `stop_postgres`
# (call it from the EXIT trap, after the server stopped) ends it and removes its files.
pg_pid=""
stop_postgres() { [ -n "$pg_pid" ] && { kill -TERM "$pg_pid" 2>/dev/null; wait "$pg_pid" 2>/dev/null; pg_pid=""; }; return 0; }
if [ "${KUMO_TEST_DATABASE-}" = postgres ]; then
  node dist/test/postgres-cli.js >"$work/pg.url" 2>"$work/pg.err" &
  pg_pid=$!
  for _ in $(seq 1 300); do [ -s "$work/pg.url" ] && break; kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.1; done
  [ -s "$work/pg.url" ] || { echo "throwaway PostgreSQL did not start"; cat "$work/pg.err"; exit 1; }
  KUMO_DATABASE_URL=$(cat "$work/pg.url")
  export KUMO_DATABASE_URL
  echo "# database: PostgreSQL ($KUMO_DATABASE_URL)"
elif [ -n "${KUMO_TEST_DATABASE-}" ] && [ "$KUMO_TEST_DATABASE" != sqlite ]; then
  echo "KUMO_TEST_DATABASE must be sqlite or postgres, not $KUMO_TEST_DATABASE"; exit 2
fi
