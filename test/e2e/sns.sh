#!/usr/bin/env bash
# End-to-end SNS with the real aws CLI: topics, tags, an http subscription to an
# endpoint on 127.0.0.1 (confirmed by visiting its SubscribeURL), publish and
# publish-batch delivered there, an error by name, unsubscribe, and the topics
# still there after a restart.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS, and tool()
PY=$(tool python3) || exit 2
CURL=$(tool curl) || exit 2
work=$(mktemp -d /tmp/kumo-e2e-sns.XXXXXX)
chmod 755 "$work"   # the server's API process runs unprivileged (SECURITY.md)
data="$work/data"
passed=0; failed=0
ok()   { passed=$((passed+1)); echo "ok   - $*"; }
fail() { failed=$((failed+1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

server_pid=""; hook_pid=""
start_server() {
  ./bin/kumo server --port 0 --data-dir "$data" >"$work/server.log" 2>&1 &
  server_pid=$!
  port=""
  for _ in $(seq 1 300); do
    port=$(sed -n 's#.*listening on http://127.0.0.1:\([0-9]*\).*#\1#p' "$work/server.log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "server did not start"; cat "$work/server.log"; exit 1; }
  eval "$(grep -E '^\s+export AWS_' "$work/server.log" | sed 's/^ *//')"
  export AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  ep="--endpoint-url http://127.0.0.1:$port"
}
stop_server() { [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
trap 'stop_server; [ -n "$hook_pid" ] && kill "$hook_pid" 2>/dev/null; rm -rf "$work"' EXIT
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
S() { "$AWS" sns $ep "$@"; }

# An HTTP endpoint on loopback that appends every POST body (one JSON per line) to posts.jsonl.
cat >"$work/hook.py" <<'PY'
import http.server, json, sys
out, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('content-length', 0))).decode()
        try: msg = json.loads(body)
        except ValueError: msg = {'Raw': body}
        msg['_type'] = self.headers.get('x-amz-sns-message-type')
        with open(out, 'a') as f: f.write(json.dumps(msg) + '\n')
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(portfile, 'w').write(str(s.server_address[1]))
s.serve_forever()
PY
"$PY" "$work/hook.py" "$work/posts.jsonl" "$work/hook.port" &
hook_pid=$!
for _ in $(seq 1 100); do [ -s "$work/hook.port" ] && break; sleep 0.1; done
hook="http://127.0.0.1:$(cat "$work/hook.port")/hook"
touch "$work/posts.jsonl"
# field <type> <json key>: the key of the last posted message of that type.
field() { "$PY" -c 'import json,sys
v=[m for m in map(json.loads, open(sys.argv[1])) if m.get("_type")==sys.argv[2]]
print(v[-1].get(sys.argv[3], "") if v else "")' "$work/posts.jsonl" "$1" "$2"; }
wait_for() { for _ in $(seq 1 100); do grep -q "$1" "$work/posts.jsonl" && return 0; sleep 0.1; done; return 1; }

start_server
echo "# server on port $port, hook $hook, aws CLI: $("$AWS" --version 2>&1)"

topic=$(S create-topic --name e2e-topic --attributes DisplayName=E2E --tags Key=team,Value=kumo --query TopicArn --output text)
check "create-topic returns the ARN" test "$topic" = "arn:aws:sns:us-east-1:000000000000:e2e-topic"
check "create-topic again is the same topic" test "$(S create-topic --name e2e-topic --query TopicArn --output text)" = "$topic"
check "list-topics shows it" test "$(S list-topics --query 'Topics[].TopicArn' --output text)" = "$topic"
check "get-topic-attributes DisplayName" test "$(S get-topic-attributes --topic-arn "$topic" --query Attributes.DisplayName --output text)" = "E2E"
S set-topic-attributes --topic-arn "$topic" --attribute-name DisplayName --attribute-value Renamed
check "set-topic-attributes" test "$(S get-topic-attributes --topic-arn "$topic" --query Attributes.DisplayName --output text)" = "Renamed"
S tag-resource --resource-arn "$topic" --tags Key=env,Value=test
check "tags" test "$(S list-tags-for-resource --resource-arn "$topic" --query 'Tags[?Key==`env`].Value' --output text)" = "test"

check "subscribe http is pending" test "$(S subscribe --topic-arn "$topic" --protocol http --notification-endpoint "$hook" --query SubscriptionArn --output text)" = "pending confirmation"
check "the endpoint gets a SubscriptionConfirmation" wait_for SubscriptionConfirmation
check "visiting its SubscribeURL confirms" "$CURL" -sf -o /dev/null "$(field SubscriptionConfirmation SubscribeURL)"
sub=$(S list-subscriptions-by-topic --topic-arn "$topic" --query 'Subscriptions[0].SubscriptionArn' --output text)
check "list-subscriptions-by-topic shows the confirmed ARN" test "${sub#"$topic":}" != "$sub"

mid=$(S publish --topic-arn "$topic" --message "hello from the cli" --subject Greeting \
  --message-attributes '{"color":{"DataType":"String","StringValue":"red"}}' --query MessageId --output text)
check "publish delivers to the endpoint" wait_for "hello from the cli"
check "the notification has its MessageId" test "$(field Notification MessageId)" = "$mid"
check "and its Subject" test "$(field Notification Subject)" = "Greeting"
S publish-batch --topic-arn "$topic" --publish-batch-request-entries Id=a,Message=batch-one Id=b,Message=batch-two >"$work/batch.json"
check "publish-batch: two successful" test "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["Successful"]))' "$work/batch.json")" = 2
check "publish-batch delivers both" wait_for batch-two

S get-topic-attributes --topic-arn arn:aws:sns:us-east-1:000000000000:missing >/dev/null 2>"$work/err.txt"; rc=$?
check "a missing topic fails (exit 254)" test "$rc" = 254
check "and names NotFound" grep -q "(NotFound)" "$work/err.txt"

stop_server
start_server
check "after a restart the topic is there" test "$(S list-topics --query 'Topics[].TopicArn' --output text)" = "$topic"
check "and its subscription" test "$(S list-subscriptions --query 'Subscriptions[0].SubscriptionArn' --output text)" = "$sub"
S unsubscribe --subscription-arn "$sub"
check "unsubscribe" test -z "$(S list-subscriptions --query 'Subscriptions[].SubscriptionArn' --output text)"
S delete-topic --topic-arn "$topic"
check "delete-topic" test -z "$(S list-topics --query 'Topics[].TopicArn' --output text)"

echo "# passed $passed, failed $failed"
[ "$failed" = 0 ]
