#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: Kumo's queue service (SQS) as a user
# drives AWS's — create a queue and a dead-letter queue, send, receive,
# delete, read attributes, and watch a message that keeps failing move to
# the DLQ after maxReceiveCount receives.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2), as make deps installs it
source test/e2e/lib.sh
e2e_start sqs
Q() { "$AWS" sqs --endpoint-url "http://127.0.0.1:$port" "$@"; }

dlq=$(Q create-queue --queue-name orders-dlq --query QueueUrl --output text)
check "create-queue returns the queue URL" test "$dlq" = "http://127.0.0.1:$port/000000000000/orders-dlq"
dlq_arn=$(Q get-queue-attributes --queue-url "$dlq" --attribute-names QueueArn --query Attributes.QueueArn --output text)
check "QueueArn is the queue's ARN" test "$dlq_arn" = "arn:aws:sqs:us-east-1:000000000000:orders-dlq"
url=$(Q create-queue --queue-name orders --attributes "{\"VisibilityTimeout\":\"0\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":\\\"2\\\"}\"}" --query QueueUrl --output text)
check "create-queue with a RedrivePolicy" test "$url" = "http://127.0.0.1:$port/000000000000/orders"
check "get-queue-url finds it" test "$(Q get-queue-url --queue-name orders --query QueueUrl --output text)" = "$url"
check "list-queues lists both" test "$(Q list-queues --queue-name-prefix orders --query 'length(QueueUrls)' --output text)" = "2"

id=$(Q send-message --queue-url "$url" --message-body 'hello queue' --message-attributes '{"kind":{"DataType":"String","StringValue":"greeting"}}' --query MessageId --output text)
check "send-message returns a message id" grep -qE '^[0-9a-f-]{36}$' <<<"$id"
Q receive-message --queue-url "$url" --message-attribute-names All --attribute-names All --output json >"$work/r1.json"
check "receive-message returns the body" grep -q '"Body": "hello queue"' "$work/r1.json"
check "with its message attribute" grep -q '"StringValue": "greeting"' "$work/r1.json"
check "and ApproximateReceiveCount 1" grep -q '"ApproximateReceiveCount": "1"' "$work/r1.json"
Q receive-message --queue-url "$url" --output json >/dev/null
# Third receive: received twice already (maxReceiveCount 2), it moves to the DLQ instead.
third=$(Q receive-message --queue-url "$url" --output json); rc=$?
check "after maxReceiveCount receives the queue answers nothing (successfully)" test "$rc-$(grep -c Messages <<<"$third")" = "0-0"
moved=$(Q receive-message --queue-url "$dlq" --wait-time-seconds 2 --query 'Messages[0].[Body,ReceiptHandle]' --output text)
check "the message is in the dead-letter queue" grep -q '^hello queue' <<<"$moved"
handle=$(cut -f2 <<<"$moved")
check "delete-message deletes it" Q delete-message --queue-url "$dlq" --receipt-handle "$handle"
check "list-dead-letter-source-queues names the source" test "$(Q list-dead-letter-source-queues --queue-url "$dlq" --query 'queueUrls[0]' --output text)" = "$url"

Q send-message-batch --queue-url "$url" --entries Id=a,MessageBody=one Id=b,MessageBody=two >/dev/null
check "get-queue-attributes counts the messages" test "$(Q get-queue-attributes --queue-url "$url" --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)" = "2"
check "purge-queue empties it" Q purge-queue --queue-url "$url"
check "then it counts none" test "$(Q get-queue-attributes --queue-url "$url" --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)" = "0"
missing=$(Q get-queue-url --queue-name nope 2>&1)
check "a missing queue is AWS.SimpleQueueService.NonExistentQueue" grep -q 'AWS.SimpleQueueService.NonExistentQueue.*The specified queue does not exist.' <<<"$missing"
check "delete-queue deletes it" Q delete-queue --queue-url "$url"

e2e_finish e2e-sqs
