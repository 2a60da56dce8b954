#!/usr/bin/env bash
# End-to-end with the real aws CLI v2 (Debian's; v1 has no `logs tail` and is
# not installable from a Debian package): a function's logs through Kumo's
# CloudWatch Logs API exactly as a user reads AWS's — `aws logs tail --follow`
# while invoking, filter-log-events with a pattern, get-log-events,
# describe-log-groups.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
work=$(mktemp -d /tmp/kumo-e2e-logs.XXXXXX)
# The server's API process runs as an unprivileged user (SECURITY.md): it must reach the data dir below.
chmod 755 "$work"
passed=0; failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed+1)); echo "ok   - $what"; else failed=$((failed+1)); echo "FAIL - $what"; fi; }
./bin/kumo server --port 0 --data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
tail_pid=""
trap '[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null; kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do port=$(sed -n 's#.*listening on http://127.0.0.1:\([0-9]*\).*#\1#p' "$work/server.log"); [ -n "$port" ] && break; sleep 0.1; done
[ -n "$port" ] || { cat "$work/server.log"; exit 1; }
eval "$(grep -E '^\s+export AWS_' "$work/server.log" | sed 's/^ *//')"
export AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
L() { "$AWS" lambda --endpoint-url "http://127.0.0.1:$port" "$@"; }
LOGS() { "$AWS" logs --endpoint-url "http://127.0.0.1:$port" "$@"; }
binfmt=""; "$AWS" --version 2>&1 | grep -q '^aws-cli/2' && binfmt="--cli-binary-format raw-in-base64-out"

mkdir -p "$work/fn"
cat > "$work/fn/index.js" <<'JS'
exports.handler = async (event) => {
  console.log('hello from', event.tag);
  process.stdout.write(JSON.stringify({ level: event.level, tag: event.tag }) + '\n');
  return 'ok';
};
JS
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name tailme --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name tailme
L invoke --function-name tailme $binfmt --payload '{"tag":"before-tail","level":"INFO"}' "$work/o.json" >/dev/null

# tail --follow in the background while invoking; it polls every 5 s, so give it two rounds.
LOGS tail /aws/lambda/tailme --follow --format short >"$work/tail.out" 2>"$work/tail.err" &
tail_pid=$!
sleep 2
L invoke --function-name tailme $binfmt --payload '{"tag":"during-tail-1","level":"ERROR"}' "$work/o.json" >/dev/null
sleep 1
L invoke --function-name tailme $binfmt --payload '{"tag":"during-tail-2","level":"INFO"}' "$work/o.json" >/dev/null
for _ in $(seq 1 150); do grep -q 'during-tail-2' "$work/tail.out" && break; sleep 0.1; done
kill "$tail_pid" 2>/dev/null; wait "$tail_pid" 2>/dev/null; tail_pid=""
check "logs tail --follow printed the lines of invokes made while it ran" grep -q 'hello from during-tail-1' "$work/tail.out"
check "logs tail --follow printed the next invoke's lines too" grep -q 'hello from during-tail-2' "$work/tail.out"
check "logs tail printed the earlier lines once" test "$(grep -c 'hello from before-tail' "$work/tail.out")" = "1"
check "logs tail printed each line once" test "$(grep -c 'hello from during-tail-1' "$work/tail.out")" = "1"
[ -s "$work/tail.err" ] && { echo "# tail stderr:"; sed 's/^/#   /' "$work/tail.err"; }

groups=$(LOGS describe-log-groups --log-group-name-prefix /aws/lambda/ --query 'logGroups[].logGroupName' --output text)
check "describe-log-groups lists the function's group" test "$groups" = "/aws/lambda/tailme"
arn=$(LOGS describe-log-groups --log-group-name-prefix /aws/lambda/tailme --query 'logGroups[0].arn' --output text)
check "the group's arn ends in :*" test "$arn" = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/tailme:*"

errs=$(LOGS filter-log-events --log-group-name /aws/lambda/tailme --filter-pattern '{ $.level = "ERROR" }' --query 'events[].message' --output text)
check "filter-log-events with a JSON selector finds the ERROR line only" test "$errs" = '{"level":"ERROR","tag":"during-tail-1"}'
n=$(LOGS filter-log-events --log-group-name /aws/lambda/tailme --filter-pattern '?before-tail ?during-tail-2 -level' --query 'length(events)' --output text)
check "filter-log-events with ? alternatives and an exclusion" test "$n" = "2"
# The CLI pages through FilterLogEvents itself (--page-size): every START line, once.
# (--output json: with text output the CLI applies --query to each page.)
LOGS filter-log-events --log-group-name /aws/lambda/tailme --filter-pattern '"START RequestId"' --page-size 1 --query 'events[].eventId' --output json >"$work/starts.json"
check "filter-log-events pages (page size 1) and returns each event once" test "$(grep -c '"[0-9]\{56\}"' "$work/starts.json")-$(grep -o '"[0-9]\{56\}"' "$work/starts.json" | sort -u | wc -l)" = "3-3"

stream=$(LOGS describe-log-streams --log-group-name /aws/lambda/tailme --order-by LastEventTime --descending --query 'logStreams[0].logStreamName' --output text)
check "describe-log-streams names Lambda's stream" grep -qE '^[0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32}$' <<<"$stream"
got=$(LOGS get-log-events --log-group-name /aws/lambda/tailme --log-stream-name "$stream" --start-from-head --query 'events[].message' --output text)
check "get-log-events returns the stream's lines" grep -q 'hello from during-tail-2' <<<"$got"
fwd=$(LOGS get-log-events --log-group-name /aws/lambda/tailme --log-stream-name "$stream" --query nextForwardToken --output text)
again=$(LOGS get-log-events --log-group-name /aws/lambda/tailme --log-stream-name "$stream" --next-token "$fwd" --query nextForwardToken --output text)
check "get-log-events: nothing new returns the same forward token" test "$fwd" = "$again"
missing=$(LOGS get-log-events --log-group-name /aws/lambda/none --log-stream-name x 2>&1)
check "a missing group is ResourceNotFoundException" grep -q 'ResourceNotFoundException.*The specified log group does not exist.' <<<"$missing"

check "create-log-group + put-retention-policy on a user group" LOGS create-log-group --log-group-name /app/e2e
LOGS put-retention-policy --log-group-name /app/e2e --retention-in-days 7
check "describe-log-groups shows the retention" test "$(LOGS describe-log-groups --log-group-name-prefix /app/e2e --query 'logGroups[0].retentionInDays' --output text)" = "7"

# Subscription filters: the group's matching new events reach a function as AWS's awslogs event (base64 gzip DATA_MESSAGE).
cat > "$work/fn/index.js" <<'JS'
exports.handler = async (event) => {
  const msg = JSON.parse(require('zlib').gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString());
  console.log('SUBSCRIBED', msg.messageType, msg.logGroup, msg.subscriptionFilters.join(','), msg.logEvents.map((e) => e.message).join('|'));
  return 'ok';
};
JS
(cd "$work/fn" && rm -f ../sub.zip && "$ZIP" -q ../sub.zip index.js)
L create-function --function-name logsink --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/sub.zip" >/dev/null
L wait function-active-v2 --function-name logsink
check "put-subscription-filter with a Lambda destination" LOGS put-subscription-filter --log-group-name /app/e2e --filter-name errs \
  --filter-pattern '{ $.level = "ERROR" }' --destination-arn arn:aws:lambda:us-east-1:000000000000:function:logsink
LOGS create-log-stream --log-group-name /app/e2e --log-stream-name s1
now=$(($(date +%s) * 1000))
LOGS put-log-events --log-group-name /app/e2e --log-stream-name s1 \
  --log-events "[{\"timestamp\":$now,\"message\":\"{\\\"level\\\":\\\"INFO\\\"}\"},{\"timestamp\":$((now + 1)),\"message\":\"{\\\"level\\\":\\\"ERROR\\\",\\\"n\\\":1}\"}]" >/dev/null
got=""
for _ in $(seq 1 100); do
  got=$(LOGS filter-log-events --log-group-name /aws/lambda/logsink --filter-pattern SUBSCRIBED --query 'events[].message' --output text 2>/dev/null)
  [ -n "$got" ] && break; sleep 0.2
done
check "the function received the ERROR event only, as a DATA_MESSAGE of /app/e2e" grep -q 'SUBSCRIBED DATA_MESSAGE /app/e2e errs {"level":"ERROR","n":1}$' <<<"$got"
check "describe-subscription-filters lists it" test "$(LOGS describe-subscription-filters --log-group-name /app/e2e --query 'subscriptionFilters[0].filterName' --output text)" = "errs"
LOGS put-subscription-filter --log-group-name /app/e2e --filter-name two --filter-pattern '' --destination-arn arn:aws:lambda:us-east-1:000000000000:function:logsink
third=$(LOGS put-subscription-filter --log-group-name /app/e2e --filter-name three --filter-pattern '' --destination-arn arn:aws:lambda:us-east-1:000000000000:function:logsink 2>&1)
check "a third filter on a group is LimitExceededException" grep -q 'LimitExceededException.*Resource limit exceeded.' <<<"$third"
check "delete-subscription-filter" LOGS delete-subscription-filter --log-group-name /app/e2e --filter-name two

echo "e2e-logs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
