#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: reserved concurrency (put, get, the
# floor's error, delete), get-account-settings, and a function reserved at 0
# answering 429 TooManyRequestsException with its Reason; provisioned
# concurrency on a version (put, get READY, list, an invoke without Init
# Duration, delete). The pools, the
# account limit and the scaling rate are covered through the SDK in
# test/integration/concurrency.test.ts.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
e2e_start c KUMO_ACCOUNT_CONCURRENCY=150
# No retries: a 429 must reach the script, not be retried away by the CLI.
export AWS_MAX_ATTEMPTS=1
L() { "$AWS" lambda --endpoint-url "http://127.0.0.1:$port" "$@"; }
binfmt=""; "$AWS" --version 2>&1 | grep -q '^aws-cli/2' && binfmt="--cli-binary-format raw-in-base64-out"

mkdir -p "$work/fn"
echo 'exports.handler = async () => ({ ok: true });' > "$work/fn/index.js"
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name limited --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name limited

check "get-account-settings: the limit from KUMO_ACCOUNT_CONCURRENCY" \
  test "$(L get-account-settings --query 'AccountLimit.[ConcurrentExecutions,UnreservedConcurrentExecutions]' --output text)" = "150	150"
check "put-function-concurrency 50" test "$(L put-function-concurrency --function-name limited --reserved-concurrent-executions 50 --query ReservedConcurrentExecutions --output text)" = "50"
check "get-function-concurrency" test "$(L get-function-concurrency --function-name limited --query ReservedConcurrentExecutions --output text)" = "50"
check "get-function shows Concurrency" test "$(L get-function --function-name limited --query Concurrency.ReservedConcurrentExecutions --output text)" = "50"
check "get-account-settings: unreserved is the limit minus the reservation" \
  test "$(L get-account-settings --query AccountLimit.UnreservedConcurrentExecutions --output text)" = "100"
over=$(L put-function-concurrency --function-name limited --reserved-concurrent-executions 51 2>&1)
check "a reservation below the unreserved floor is InvalidParameterValueException with AWS's text" \
  grep -q "InvalidParameterValueException.*Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of \[100\]" <<<"$over"

L put-function-concurrency --function-name limited --reserved-concurrent-executions 0 >/dev/null
out=$(L invoke --function-name limited $binfmt --payload '{}' "$work/o.json" 2>&1)
check "reserved 0: invoke is throttled (429 TooManyRequestsException, Rate Exceeded.)" grep -q "TooManyRequestsException.*Rate Exceeded\." <<<"$out"
check "put-function-concurrency 0 reported" test "$(L get-function-concurrency --function-name limited --query ReservedConcurrentExecutions --output text)" = "0"
L delete-function-concurrency --function-name limited
check "delete-function-concurrency: none reserved" test "$(L get-function-concurrency --function-name limited --query ReservedConcurrentExecutions --output text)" = "None"
L invoke --function-name limited $binfmt --payload '{}' "$work/o.json" >/dev/null
check "it runs again" grep -q '"ok":true' "$work/o.json"

# Provisioned concurrency on a published version.
L publish-version --function-name limited >/dev/null
check "put-provisioned-concurrency-config on \$LATEST is refused with AWS's text" \
  grep -q "InvalidParameterValueException.*Provisioned Concurrency Configs cannot be applied to unpublished function versions" \
  <<<"$(L put-provisioned-concurrency-config --function-name limited --qualifier '$LATEST' --provisioned-concurrent-executions 1 2>&1)"
check "put-provisioned-concurrency-config answers IN_PROGRESS" \
  test "$(L put-provisioned-concurrency-config --function-name limited --qualifier 1 --provisioned-concurrent-executions 1 --query Status --output text)" = "IN_PROGRESS"
st=""
for _ in $(seq 1 300); do st=$(L get-provisioned-concurrency-config --function-name limited --qualifier 1 --query Status --output text); [ "$st" != IN_PROGRESS ] && break; sleep 0.1; done
check "get-provisioned-concurrency-config reaches READY" test "$st" = "READY"
check "list-provisioned-concurrency-configs names the version's ARN" \
  grep -q ':function:limited:1	1$' <<<"$(L list-provisioned-concurrency-configs --function-name limited --query 'ProvisionedConcurrencyConfigs[0].[FunctionArn,AllocatedProvisionedConcurrentExecutions]' --output text)"
L invoke --function-name limited --qualifier 1 --log-type Tail --query LogResult --output text $binfmt --payload '{}' "$work/o.json" | base64 -d >"$work/tail.txt"
check "an invoke of the provisioned version shows REPORT without Init Duration" \
  bash -c "grep -q '^REPORT' '$work/tail.txt' && ! grep -q 'Init Duration' '$work/tail.txt'"
L delete-provisioned-concurrency-config --function-name limited --qualifier 1
check "after delete-provisioned-concurrency-config: ProvisionedConcurrencyConfigNotFoundException" \
  grep -q "ProvisionedConcurrencyConfigNotFoundException" <<<"$(L get-provisioned-concurrency-config --function-name limited --qualifier 1 2>&1)"

e2e_finish e2e-concurrency
