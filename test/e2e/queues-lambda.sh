#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: a queue feeding a function, as a user
# wires it — a queue and its dead-letter queue (RedrivePolicy), a Python
# function that logs each message and fails on "poison",
# `aws lambda create-event-source-mapping`, `aws sqs send-message`, the
# function's lines read back with `aws logs filter-log-events`, the failing
# message ending in the DLQ; then an SNS topic with an SQS subscription,
# published to with `aws sns publish`. The details (event shape, partial
# batches, FIFO, filters, reserved concurrency) are covered through the SDK in
# test/integration/queues-lambda.test.ts.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
e2e_start ql
ep="http://127.0.0.1:$port"
L() { "$AWS" lambda --endpoint-url "$ep" "$@"; }
Q() { "$AWS" sqs --endpoint-url "$ep" "$@"; }
S() { "$AWS" sns --endpoint-url "$ep" "$@"; }
LOGS() { "$AWS" logs --endpoint-url "$ep" "$@"; }
# Polls `cmd…` (up to ~20 s) until its output matches the pattern.
# (The output is captured first: with pipefail a failing command would fail a matching grep.)
eventually() { local pattern=$1 out; shift; for _ in $(seq 1 100); do out=$("$@" 2>/dev/null); grep -q -- "$pattern" <<<"$out" && return 0; sleep 0.2; done; return 1; }

dlq=$(Q create-queue --queue-name jobs-dlq --query QueueUrl --output text)
dlq_arn=$(Q get-queue-attributes --queue-url "$dlq" --attribute-names QueueArn --query Attributes.QueueArn --output text)
url=$(Q create-queue --queue-name jobs --attributes "{\"VisibilityTimeout\":\"2\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":\\\"2\\\"}\"}" --query QueueUrl --output text)
arn=$(Q get-queue-attributes --queue-url "$url" --attribute-names QueueArn --query Attributes.QueueArn --output text)
check "create-queue with a RedrivePolicy to the DLQ" test "$arn" = "arn:aws:sqs:us-east-1:000000000000:jobs"

mkdir -p "$work/fn"
cat > "$work/fn/app.py" <<'PY'
def handler(event, context):
    for r in event["Records"]:
        print("GOT " + r["body"] + " receive " + r["attributes"]["ApproximateReceiveCount"] + " from " + r["eventSourceARN"])
        if "poison" in r["body"]:
            raise Exception("cannot process " + r["body"])
    return {"n": len(event["Records"])}
PY
(cd "$work/fn" && "$ZIP" -q ../fn.zip app.py)
# Lambda reads the source as the function's execution role: the role needs AWS's managed policy for it.
"$AWS" iam --endpoint-url "$ep" attach-role-policy --role-name lambda-role --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole
L create-function --function-name worker --runtime python3.11 --handler app.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --timeout 2 --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name worker

short=$(Q create-queue --queue-name jobs-short --attributes VisibilityTimeout=1 --query QueueUrl --output text)
refused=$(L create-event-source-mapping --function-name worker --event-source-arn arn:aws:sqs:us-east-1:000000000000:jobs-short 2>&1)
check "a queue whose visibility timeout is below the function's timeout is refused" \
  grep -q "InvalidParameterValueException.*Queue visibility timeout: 1 seconds is less than Function timeout: 2 seconds" <<<"$refused"

uuid=$(L create-event-source-mapping --function-name worker --event-source-arn "$arn" --batch-size 1 --query UUID --output text)
check "create-event-source-mapping returns a UUID" grep -qE '^[0-9a-f-]{36}$' <<<"$uuid"
check "the mapping becomes Enabled" eventually Enabled L get-event-source-mapping --uuid "$uuid" --query State --output text

Q send-message --queue-url "$url" --message-body 'job-1' >/dev/null
Q send-message --queue-url "$url" --message-body 'poison-2' >/dev/null
logs() { LOGS filter-log-events --log-group-name /aws/lambda/worker --filter-pattern '"GOT"' --query 'events[].message' --output text; }
check "aws logs shows the function processed job-1" eventually "GOT job-1 receive 1 from $arn" logs
check "the poison message was tried once" eventually "GOT poison-2 receive 1" logs
check "and again after the visibility timeout" eventually "GOT poison-2 receive 2" logs
dead=$(for _ in $(seq 1 20); do b=$(Q receive-message --queue-url "$dlq" --wait-time-seconds 1 --query 'Messages[0].Body' --output text); [ "$b" != "None" ] && { echo "$b"; break; }; done)
check "after maxReceiveCount the poison message is in the DLQ" test "$dead" = "poison-2"
check "the source queue is empty" eventually "0	0" Q get-queue-attributes --queue-url "$url" \
  --attribute-names ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible \
  --query 'Attributes.[ApproximateNumberOfMessages,ApproximateNumberOfMessagesNotVisible]' --output text
check "job-1 was processed once (deleted after success)" test "$(logs | tr '\t' '\n' | grep -c 'GOT job-1')" = "1"
check "LastProcessingResult names the last batch's failure" eventually "^PROBLEM: Function call failed$" L get-event-source-mapping --uuid "$uuid" --query LastProcessingResult --output text

L update-event-source-mapping --uuid "$uuid" --no-enabled >/dev/null
check "update-event-source-mapping --no-enabled: Disabled" eventually Disabled L get-event-source-mapping --uuid "$uuid" --query State --output text
Q send-message --queue-url "$url" --message-body 'job-while-disabled' >/dev/null
sleep 2
check "a disabled mapping leaves the message in the queue" test "$(Q get-queue-attributes --queue-url "$url" --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)" = "1"
check "delete-event-source-mapping answers Deleting" test "$(L delete-event-source-mapping --uuid "$uuid" --query State --output text)" = "Deleting"
mapping_state() { L get-event-source-mapping --uuid "$uuid" --query State --output text 2>&1; }
check "then the mapping is gone (ResourceNotFoundException)" eventually "ResourceNotFoundException" mapping_state

# SNS → SQS: a topic with a queue subscribed, published to with the CLI.
inbox=$(Q create-queue --queue-name inbox --query QueueUrl --output text)
inbox_arn=$(Q get-queue-attributes --queue-url "$inbox" --attribute-names QueueArn --query Attributes.QueueArn --output text)
topic=$(S create-topic --name news --query TopicArn --output text)
S subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$inbox_arn" >/dev/null
mid=$(S publish --topic-arn "$topic" --subject hi --message 'hello subscribers' --query MessageId --output text)
got=$(for _ in $(seq 1 20); do b=$(Q receive-message --queue-url "$inbox" --wait-time-seconds 1 --query 'Messages[0].Body' --output text); [ "$b" != "None" ] && { echo "$b"; break; }; done)
check "sns publish reaches the subscribed queue in the SNS envelope" grep -q '"Type" *: *"Notification"' <<<"$got"
check "the envelope carries the message, its id and the topic" bash -c 'grep -q "\"Message\" *: *\"hello subscribers\"" <<<"$1" && grep -q "$2" <<<"$1" && grep -q "$3" <<<"$1"' _ "$got" "$mid" "$topic"

e2e_finish e2e-queues-lambda
