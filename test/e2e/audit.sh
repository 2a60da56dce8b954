#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: the audit trail. Management calls of
# Lambda and SQS show in `aws cloudtrail lookup-events` (filtered by one
# attribute), data-plane calls (invoke, send-message) do not, `kumo history`
# shows what a configuration change changed, and `kumo audit verify` checks
# the chain of the server's data dir after it stopped.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
e2e_start audit
E="--endpoint-url http://127.0.0.1:$port"
L() { "$AWS" lambda $E "$@"; }
T() { "$AWS" cloudtrail $E "$@"; }

mkdir -p "$work/fn"
echo 'exports.handler = async () => ({ ok: true });' > "$work/fn/index.js"
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name audited --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name audited
L update-function-configuration --function-name audited --timeout 9 >/dev/null
L invoke --function-name audited "$work/out.json" >/dev/null
q=$("$AWS" sqs $E create-queue --queue-name audited-q --query QueueUrl --output text)
"$AWS" sqs $E send-message --queue-url "$q" --message-body hi >/dev/null

names=$(T lookup-events --query 'Events[].EventName' --output text)
check "lookup-events lists CreateFunction20150331" grep -qw CreateFunction20150331 <<<"$names"
check "lookup-events lists UpdateFunctionConfiguration20150331" grep -qw UpdateFunctionConfiguration20150331 <<<"$names"
check "lookup-events lists CreateQueue" grep -qw CreateQueue <<<"$names"
check "invoke and send-message are data events, not listed" bash -c '! grep -qwE "Invoke20150331|SendMessage" <<<"$1"' _ "$names"
check "filter by EventName" test "$(T lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateQueue --query 'length(Events)' --output text)" = "1"
check "the record is CloudTrail's (eventSource, userIdentity root)" \
  test "$(T lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateQueue --query 'Events[0].CloudTrailEvent' --output text | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["eventSource"], r["userIdentity"]["type"], r["requestParameters"]["queueName"])')" = "sqs.amazonaws.com Root audited-q"
hist=$(KUMO_ENDPOINT="http://127.0.0.1:$port" ./bin/kumo history audited)
check "kumo history shows the timeout change" grep -q 'timeout: 3 → 9\|timeout: 9' <<<"$hist"
kill -TERM $pid; wait $pid 2>/dev/null
check "kumo audit verify: intact" ./bin/kumo audit verify --data-dir "$work/data"
e2e_finish audit.sh
