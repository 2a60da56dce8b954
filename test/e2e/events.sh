#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: Kumo's event buses (EventBridge) as a
# user drives AWS's — the default bus, a custom bus, a rule with an event
# pattern and a queue target, PutEvents (one entry matching, one not, one
# malformed), the event in the queue as EventBridge forms it, an input
# transformer, TestEventPattern, tags, AWS's errors, and a bus policy
# (put-permission / remove-permission) letting a second account (KUMO_ACCOUNTS)
# put events on a bus of the first.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2), as make deps installs it
source test/e2e/lib.sh
e2e_start events KUMO_ACCOUNTS=111111111111
E() { "$AWS" events --endpoint-url "http://127.0.0.1:$port" "$@"; }
Q() { "$AWS" sqs --endpoint-url "http://127.0.0.1:$port" "$@"; }

check "the default bus exists" test "$(E describe-event-bus --query Name --output text)" = "default"
err=$(E delete-event-bus --name default 2>&1)
check "the default bus cannot be deleted" grep -q 'ValidationException.*Cannot delete event bus default.' <<<"$err"
arn=$(E create-event-bus --name orders --query EventBusArn --output text)
check "create-event-bus returns its ARN" test "$arn" = "arn:aws:events:us-east-1:000000000000:event-bus/orders"
check "list-event-buses --name-prefix finds it" test "$(E list-event-buses --name-prefix ord --query 'EventBuses[0].Name' --output text)" = "orders"

url=$(Q create-queue --queue-name placed --query QueueUrl --output text)
qarn=$(Q get-queue-attributes --queue-url "$url" --attribute-names QueueArn --query Attributes.QueueArn --output text)
url2=$(Q create-queue --queue-name shaped --query QueueUrl --output text)
qarn2=$(Q get-queue-attributes --queue-url "$url2" --attribute-names QueueArn --query Attributes.QueueArn --output text)
rule=$(E put-rule --name big-orders --event-bus-name orders --event-pattern '{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}' --query RuleArn --output text)
check "put-rule on a custom bus returns rule/<bus>/<name>" test "$rule" = "arn:aws:events:us-east-1:000000000000:rule/orders/big-orders"
cat >"$work/targets.json" <<JSON
[{"Id":"raw","Arn":"$qarn"},
 {"Id":"shaped","Arn":"$qarn2","InputTransformer":{"InputPathsMap":{"id":"\$.detail.id"},"InputTemplate":"\"order <id> is big\""}}]
JSON
check "put-targets stores both targets" test "$(E put-targets --rule big-orders --event-bus-name orders --targets "file://$work/targets.json" --query FailedEntryCount --output text)" = "0"
check "list-targets-by-rule lists them" test "$(E list-targets-by-rule --rule big-orders --event-bus-name orders --query 'length(Targets)' --output text)" = "2"

cat >"$work/entries.json" <<'JSON'
[{"EventBusName":"orders","Source":"shop","DetailType":"Order Placed","Detail":"{\"id\":\"o-1\",\"total\":250}"},
 {"EventBusName":"orders","Source":"shop","DetailType":"Order Placed","Detail":"{\"id\":\"o-2\",\"total\":5}"},
 {"EventBusName":"orders","Source":"shop","DetailType":"Order Placed","Detail":"not json"}]
JSON
E put-events --entries "file://$work/entries.json" --output json >"$work/put.json"
check "put-events: one entry failed" grep -q '"FailedEntryCount": 1' "$work/put.json"
check "with MalformedDetail" grep -q '"ErrorCode": "MalformedDetail"' "$work/put.json"
id=$(sed -n 's/.*"EventId": "\([0-9a-f-]*\)".*/\1/p' "$work/put.json" | head -1)
check "the first entry has an event id" grep -qE '^[0-9a-f-]{36}$' <<<"$id"
body=""
for _ in $(seq 1 50); do body=$(Q receive-message --queue-url "$url" --wait-time-seconds 1 --query 'Messages[0].Body' --output text); [ "$body" != "None" ] && [ -n "$body" ] && break; done
check "the matching event reached the queue, as EventBridge forms it" grep -q "\"id\": *\"$id\".*\"detail-type\": *\"Order Placed\".*\"source\": *\"shop\"" <<<"$body"
check "with the account, region and detail" grep -q '"account": *"000000000000".*"region": *"us-east-1".*"detail": *{"id": *"o-1"' <<<"$body"
shaped=""
for _ in $(seq 1 50); do shaped=$(Q receive-message --queue-url "$url2" --wait-time-seconds 1 --query 'Messages[0].Body' --output text); [ "$shaped" != "None" ] && [ -n "$shaped" ] && break; done
check "the input transformer's text" test "$shaped" = '"order o-1 is big"'
check "the small order matched nothing" test "$(Q receive-message --queue-url "$url" --wait-time-seconds 1 --query 'length(Messages || `[]`)' --output text)" = "0"

check "test-event-pattern matches" test "$(E test-event-pattern --event-pattern '{"source":[{"prefix":"sh"}]}' --event '{"id":"1","source":"shop","detail-type":"d","account":"000000000000","region":"us-east-1","time":"2024-01-01T00:00:00Z","detail":{}}' --query Result --output text)" = "True"
err=$(E put-rule --name bad --event-pattern '{"source":[{"prefix":1}]}' 2>&1)
check "an invalid pattern is InvalidEventPatternException with AWS's reason" grep -q 'InvalidEventPatternException.*Event pattern is not valid. Reason: prefix match pattern must be a string' <<<"$err"
err=$(E delete-rule --name big-orders --event-bus-name orders 2>&1)
check "a rule with targets cannot be deleted" grep -q "Rule can't be deleted since it has targets." <<<"$err"
E tag-resource --resource-arn "$rule" --tags Key=team,Value=shop
check "tags on a rule" test "$(E list-tags-for-resource --resource-arn "$rule" --query 'Tags[0].Value' --output text)" = "shop"
E remove-targets --rule big-orders --event-bus-name orders --ids raw shaped >/dev/null
E delete-rule --name big-orders --event-bus-name orders
err=$(E describe-rule --name big-orders --event-bus-name orders 2>&1)
check "a deleted rule is gone" grep -q 'ResourceNotFoundException.*Rule big-orders does not exist on EventBus orders.' <<<"$err"
E delete-event-bus --name orders
check "the custom bus is deleted" test "$(E list-event-buses --query 'length(EventBuses)' --output text)" = "1"

# A bus policy: another account's put-events on the bus is refused until put-permission names that account.
home=000000000000
other=111111111111
keyfile="$work/data/accounts/$other/credentials.json"
bid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).accessKeyId)' "$keyfile")
bsecret=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).secretAccessKey)' "$keyfile")
B() { AWS_ACCESS_KEY_ID=$bid AWS_SECRET_ACCESS_KEY=$bsecret AWS_MAX_ATTEMPTS=1 "$@"; }
E create-event-bus --name shared >/dev/null
shared="arn:aws:events:us-east-1:$home:event-bus/shared"
purl=$(Q create-queue --queue-name from-partner --query QueueUrl --output text)
parn=$(Q get-queue-attributes --queue-url "$purl" --attribute-names QueueArn --query Attributes.QueueArn --output text)
E put-rule --name partner --event-bus-name shared --event-pattern '{"source":["partner"]}' >/dev/null
E put-targets --rule partner --event-bus-name shared --targets "Id=q,Arn=$parn" >/dev/null
cat >"$work/partner.json" <<JSON
[{"EventBusName":"$shared","Source":"partner","DetailType":"Hello","Detail":"{\"from\":\"b\"}"}]
JSON
err=$(B E put-events --entries "file://$work/partner.json" 2>&1)
check "another account's put-events is refused without a bus policy, in AWS's words" \
  grep -q "AccessDeniedException.*User: arn:aws:iam::$other:root is not authorized to perform: events:PutEvents on resource: $shared because no resource-based policy allows the events:PutEvents action" <<<"$err"
check "put-permission names the other account" E put-permission --event-bus-name shared --action events:PutEvents --principal "$other" --statement-id partner-b
check "describe-event-bus answers the policy" grep -q "\"Sid\":\"partner-b\".*\"Principal\":{\"AWS\":\"arn:aws:iam::$other:root\"}.*\"Resource\":\"$shared\"" <<<"$(E describe-event-bus --name shared --query Policy --output text)"
check "now the other account's put-events is accepted" test "$(B E put-events --entries "file://$work/partner.json" --query FailedEntryCount --output text)" = "0"
pbody=""
for _ in $(seq 1 50); do pbody=$(Q receive-message --queue-url "$purl" --wait-time-seconds 1 --query 'Messages[0].Body' --output text); [ "$pbody" != "None" ] && [ -n "$pbody" ] && break; done
check "the event reached the owner's queue, with the sender's account" grep -q "\"account\": *\"$other\".*\"detail\": *{\"from\": *\"b\"}" <<<"$pbody"
err=$(E put-permission --event-bus-name shared --action events:PutRule --principal "$other" --statement-id x 2>&1)
check "put-permission takes events:PutEvents only" grep -q "ValidationException.*Provided value in parameter 'action' is not supported." <<<"$err"
err=$(E remove-permission --event-bus-name shared --statement-id nope 2>&1)
check "remove-permission of an unknown statement" grep -q "ResourceNotFoundException.*Statement with the provided id does not exist." <<<"$err"
check "remove-permission by statement id" E remove-permission --event-bus-name shared --statement-id partner-b
check "the policy is gone" test "$(E describe-event-bus --name shared --query Policy --output text)" = "None"
err=$(B E put-events --entries "file://$work/partner.json" 2>&1)
check "and the other account is refused again" grep -q "AccessDeniedException" <<<"$err"

e2e_finish events
