#!/usr/bin/env bash
# End-to-end walk of the README quickstart with the real aws CLI: deploy AWS's
# bash tutorial function, a Node.js and a Python function; invoke them sync and
# async; read logs; restart the server; invoke again.
# KUMO_TEST_DATABASE=postgres runs it all against a throwaway PostgreSQL (KUMO_DATABASE_URL).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
work=$(mktemp -d /tmp/kumo-e2e.XXXXXX)
# The server's API process runs as an unprivileged user (SECURITY.md): it must reach the data dir below.
chmod 755 "$work"
data="$work/data"
passed=0; failed=0
ok()   { passed=$((passed+1)); echo "ok   - $*"; }
fail() { failed=$((failed+1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

source test/e2e/postgres.sh
server_pid=""
start_server() {
  ./bin/kumo server --port 0 --data-dir "$data" >"$work/server.log" 2>&1 &
  server_pid=$!
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
stop_server() { kill -TERM "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
trap 'stop_server; stop_postgres; rm -rf "$work"' EXIT
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""

# aws CLI v2 wants --cli-binary-format for raw JSON payloads; v1 takes them as they are.
binfmt=""; "$AWS" --version 2>&1 | grep -q '^aws-cli/2' && binfmt="--cli-binary-format raw-in-base64-out"
invoke() { "$AWS" lambda invoke $ep $binfmt "$@"; }

start_server
echo "# server on port $port, aws CLI: $("$AWS" --version 2>&1)"

# 1. AWS's bash custom-runtime tutorial, unchanged.
mkdir -p "$work/bash" && cp test/fixtures/bash-tutorial/{bootstrap,function.sh} "$work/bash/"
(cd "$work/bash" && chmod 755 bootstrap && "$ZIP" -q function.zip bootstrap function.sh)
check "create bash tutorial function" "$AWS" lambda create-function $ep --function-name bash-fn --runtime provided.al2023 \
  --handler function.handler --role arn:aws:iam::000000000000:role/lambda-role --zip-file "fileb://$work/bash/function.zip" --query FunctionArn --output text
check "wait function-active" "$AWS" lambda wait function-active-v2 $ep --function-name bash-fn
invoke --function-name bash-fn --payload '{"text":"Hello"}' "$work/bash-out.txt" >/dev/null
check "bash function answers" grep -qx "Echoing request: '{\"text\":\"Hello\"}'" "$work/bash-out.txt"

# 2. Node.js.
mkdir -p "$work/node" && cat >"$work/node/index.mjs" <<'JS'
export const handler = async (event) => {
  console.log('node got', JSON.stringify(event));
  return { sum: event.a + event.b };
};
JS
(cd "$work/node" && "$ZIP" -q fn.zip index.mjs)
check "create node function" "$AWS" lambda create-function $ep --function-name node-fn --runtime nodejs20.x \
  --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role --zip-file "fileb://$work/node/fn.zip" --query State --output text
"$AWS" lambda wait function-active-v2 $ep --function-name node-fn
invoke --function-name node-fn --payload '{"a":2,"b":3}' --log-type Tail --query LogResult --output text "$work/node-out.json" >"$work/node-tail.b64"
check "node function answers" grep -q '"sum":5' "$work/node-out.json"
check "node tail log has START/REPORT" bash -c "base64 -d '$work/node-tail.b64' | grep -q '^REPORT RequestId'"

# 3. Python.
mkdir -p "$work/py" && cat >"$work/py/app.py" <<'PY'
def handler(event, context):
    print("python got", event)
    return {"upper": event["text"].upper(), "function": context.function_name}
PY
(cd "$work/py" && "$ZIP" -q fn.zip app.py)
check "create python function" "$AWS" lambda create-function $ep --function-name py-fn --runtime python3.11 \
  --handler app.handler --role arn:aws:iam::000000000000:role/lambda-role --zip-file "fileb://$work/py/fn.zip" --query State --output text
"$AWS" lambda wait function-active-v2 $ep --function-name py-fn
invoke --function-name py-fn --payload '{"text":"kumo"}' "$work/py-out.json" >/dev/null
check "python function answers" grep -q '"upper": "KUMO"' "$work/py-out.json"

# 4. Async invoke: 202, then the handler runs.
status=$(invoke --function-name node-fn --invocation-type Event --payload '{"a":40,"b":2}' --query StatusCode --output text "$work/async.json")
check "async invoke accepted with 202" test "$status" = "202"
ran=no
for _ in $(seq 1 50); do
  if ./bin/kumo logs node-fn --data-dir "$data" | grep -q 'node got {"a":40,"b":2}'; then ran=yes; break; fi
  sleep 0.2
done
check "async event ran (kumo logs shows it)" test "$ran" = yes

# 5. Logs and list.
check "kumo logs shows START lines" bash -c "./bin/kumo logs py-fn --data-dir '$data' | grep -q 'START RequestId'"
check "list-functions shows 3 functions" test "$("$AWS" lambda list-functions $ep --query 'length(Functions)' --output text)" = "3"
check "errors carry AWS names" bash -c "'$AWS' lambda get-function $ep --function-name missing 2>&1 | grep -q ResourceNotFoundException"

# 6. Restart: everything is still there and invocable.
stop_server
check "no container left after SIGTERM" test -z "$(runc --root "$data/sandbox/runc-state" list -q 2>/dev/null)"
start_server
for fn in bash-fn node-fn py-fn; do
  invoke --function-name "$fn" --payload '{"a":1,"b":1,"text":"again"}' "$work/again-$fn.out" >/dev/null
  check "after restart $fn answers" test -s "$work/again-$fn.out"
done
check "bash function after restart" grep -q "Echoing request" "$work/again-bash-fn.out"

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
