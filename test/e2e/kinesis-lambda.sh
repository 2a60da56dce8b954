#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: a Kinesis stream feeding a function,
# as a user wires it — `aws kinesis create-stream`, a Python function that
# logs each record and fails on "poison", `aws lambda
# create-event-source-mapping` with --starting-position and an OnFailure
# queue, `aws kinesis put-record(s)`, the function's lines read back with
# `aws logs filter-log-events`, the failing batch's location in the queue,
# `kumo event-sources` showing the mapping's IteratorAge. The details (order
# per shard, retries, bisect, parallelization, checkpoints across kill -9)
# are covered through the SDK in test/integration/kinesis-*.test.ts.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
e2e_start kl
ep="http://127.0.0.1:$port"
L() { "$AWS" lambda --endpoint-url "$ep" "$@"; }
K() { "$AWS" kinesis --endpoint-url "$ep" --cli-binary-format raw-in-base64-out "$@"; }
Q() { "$AWS" sqs --endpoint-url "$ep" "$@"; }
LOGS() { "$AWS" logs --endpoint-url "$ep" "$@"; }
eventually() { local pattern=$1 out; shift; for _ in $(seq 1 150); do out=$("$@" 2>/dev/null); grep -q -- "$pattern" <<<"$out" && return 0; sleep 0.2; done; return 1; }

K create-stream --stream-name clicks --shard-count 2
K wait stream-exists --stream-name clicks
arn=$(K describe-stream-summary --stream-name clicks --query StreamDescriptionSummary.StreamARN --output text)
check "create-stream: 2 shards" test "$(K describe-stream-summary --stream-name clicks --query StreamDescriptionSummary.OpenShardCount --output text)" = "2"
dlq=$(Q create-queue --queue-name clicks-failed --query QueueUrl --output text)
failed_arn=$(Q get-queue-attributes --queue-url "$dlq" --attribute-names QueueArn --query Attributes.QueueArn --output text)

mkdir -p "$work/fn"
cat > "$work/fn/app.py" <<'PY'
import base64
def handler(event, context):
    for r in event["Records"]:
        data = base64.b64decode(r["kinesis"]["data"]).decode()
        print("GOT " + data + " key " + r["kinesis"]["partitionKey"] + " from " + r["eventSourceARN"] + " " + r["eventID"].split(":")[0])
        if data.startswith("poison"):
            raise Exception("cannot process " + data)
    return {"n": len(event["Records"])}
PY
(cd "$work/fn" && "$ZIP" -q ../fn.zip app.py)
# Lambda reads the source as the function's execution role: the role needs AWS's managed policy for it.
"$AWS" iam --endpoint-url "$ep" attach-role-policy --role-name lambda-role --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole
"$AWS" iam --endpoint-url "$ep" attach-role-policy --role-name lambda-role --policy-arn arn:aws:iam::aws:policy/AmazonSQSFullAccess
L create-function --function-name clicker --runtime python3.11 --handler app.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --timeout 5 --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name clicker

refused=$(L create-event-source-mapping --function-name clicker --event-source-arn "$arn" 2>&1)
check "a stream mapping without --starting-position is refused in AWS's words" \
  grep -q "ValidationException.*Value null at 'startingPosition' failed to satisfy constraint: Member must not be null." <<<"$refused"
refused=$(L create-event-source-mapping --function-name clicker --event-source-arn "$failed_arn" --starting-position LATEST 2>&1)
check "a queue mapping with --starting-position is refused" grep -q "Unsupported StartingPosition parameter for given event source mapping type." <<<"$refused"

out=$(L create-event-source-mapping --function-name clicker --event-source-arn "$arn" --starting-position TRIM_HORIZON --batch-size 10 \
  --maximum-retry-attempts 1 --destination-config "{\"OnFailure\":{\"Destination\":\"$failed_arn\"}}" --output json)
uuid=$(sed -n 's/^ *"UUID": "\([0-9a-f-]*\)".*/\1/p' <<<"$out")
check "create-event-source-mapping returns a UUID" grep -qE '^[0-9a-f-]{36}$' <<<"$uuid"
check "with the stream fields AWS returns" bash -c 'grep -q "\"StartingPosition\": \"TRIM_HORIZON\"" <<<"$1" && grep -q "\"ParallelizationFactor\": 1" <<<"$1" && grep -q "\"MaximumRetryAttempts\": 1" <<<"$1"' _ "$out"
check "the mapping becomes Enabled" eventually Enabled L get-event-source-mapping --uuid "$uuid" --query State --output text

K put-record --stream-name clicks --partition-key user-1 --data 'click-1' >/dev/null
K put-records --stream-name clicks --records 'PartitionKey=user-2,Data=click-2' 'PartitionKey=user-3,Data=poison-3' >/dev/null
logs() { LOGS filter-log-events --log-group-name /aws/lambda/clicker --filter-pattern '"GOT"' --query 'events[].message' --output text; }
check "aws logs shows the function got click-1 from the stream" eventually "GOT click-1 key user-1 from $arn shardId-" logs
check "and click-2" eventually "GOT click-2 key user-2" logs
poison_tries() { LOGS filter-log-events --log-group-name /aws/lambda/clicker --filter-pattern '"GOT poison-3"' --query 'length(events)' --output text; }
check "the poison record was tried twice (MaximumRetryAttempts 1)" eventually "^2$" poison_tries
rec=$(for _ in $(seq 1 30); do b=$(Q receive-message --queue-url "$dlq" --wait-time-seconds 1 --query 'Messages[0].Body' --output text); [ "$b" != "None" ] && { echo "$b"; break; }; done)
check "its batch's location is in the OnFailure queue" bash -c 'grep -q "\"condition\": *\"RetryAttemptsExhausted\"" <<<"$1" && grep -q "\"KinesisBatchInfo\"" <<<"$1" && grep -q "$2" <<<"$1"' _ "$rec" "$arn"
es=$(./bin/kumo event-sources --endpoint "$ep")
check "kumo event-sources lists the mapping with its IteratorAge" grep -qE "$uuid +Enabled +clicker +stream/clicks +10 +[0-9.]+ (ms|s)" <<<"$es"

check "delete-event-source-mapping answers Deleting" test "$(L delete-event-source-mapping --uuid "$uuid" --query State --output text)" = "Deleting"
mapping_state() { L get-event-source-mapping --uuid "$uuid" --query State --output text 2>&1; }
check "then the mapping is gone (ResourceNotFoundException)" eventually "ResourceNotFoundException" mapping_state

e2e_finish e2e-kinesis-lambda
