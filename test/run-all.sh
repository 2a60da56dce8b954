#!/usr/bin/env bash
# The whole suite: unit tests beside the code, runtime tests, integration tests
# against the real server, then the aws CLI end-to-end walk of the quickstart
# (on SQLite and on a throwaway PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob
unit=(dist/src/**/*.test.js dist/test/*.test.js dist/test/runtimes/*.test.js)
integration=(dist/test/integration/*.test.js dist/test/security/*.test.js dist/test/cli/*.test.js)
# The TAP output is kept so that a failure is repeated at the end, where a CI log's tail shows it.
log=$(mktemp /tmp/kumo-test-log.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0
node --test --test-concurrency=1 "${unit[@]}" "${integration[@]}" | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "# ---- failed tests (repeated from above) ----"
  # Each `not ok` line with its YAML block (up to the block's closing `...`), at most 80 lines each.
  awk '/^ *not ok /{p=1; n=0} p{print; n++; if ($0 ~ /^ *\.\.\.$/ || n>=80) p=0}' "$log"
  exit "$status"
fi
bash test/e2e/quickstart.sh
KUMO_TEST_DATABASE=postgres bash test/e2e/quickstart.sh
bash test/e2e/versions.sh
bash test/e2e/logs.sh
bash test/e2e/sns.sh
bash test/e2e/sqs.sh
bash test/e2e/queues-lambda.sh
bash test/e2e/kinesis.sh
bash test/e2e/events.sh
bash test/e2e/kinesis-lambda.sh
bash test/e2e/ssm.sh
bash test/e2e/iam.sh
bash test/e2e/accounts.sh
bash test/e2e/scheduler.sh
bash test/e2e/concurrency.sh
bash test/e2e/audit.sh
bash test/e2e/invoke-plane.sh
bash test/e2e/metrics.sh
bash test/e2e/tracing.sh
bash test/e2e/function-urls.sh
bash test/e2e/function-policy.sh
bash test/e2e/http-api.sh
bash test/e2e/runtimes.sh
