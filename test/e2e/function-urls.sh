#!/usr/bin/env bash
# End-to-end with the real aws CLI and curl: create-function-url-config
# (NONE), get/list/update, 403 until add-permission grants the public the
# URL (as AWS requires), curl the host-based URL (*.localhost resolves to
# loopback in curl) and the path-based one, a JSON body and a cookie through
# to the event, a CORS preflight answered by the URL, an AWS_IAM URL refusing
# an unsigned request, delete-function-url-config (then 403). The payload
# shapes, binary bodies, SigV4-signed calls and errors are covered in
# test/integration/function-urls.test.ts.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
CURL=$(tool curl) || exit 2
source test/e2e/lib.sh
e2e_start u
export AWS_MAX_ATTEMPTS=1
L() { "$AWS" lambda --endpoint-url "http://127.0.0.1:$port" "$@"; }
urlport=$(sed -n 's#.*function URLs on port \([0-9]*\).*#\1#p' "$work/server.log")

mkdir -p "$work/fn"
cat > "$work/fn/index.js" <<'JS'
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'x-from': 'fn' },
  cookies: ['seen=1'],
  body: JSON.stringify({ path: event.rawPath, q: event.queryStringParameters, cookies: event.cookies, body: event.body, method: event.requestContext.http.method }),
});
JS
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name web --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name web

url=$(L create-function-url-config --function-name web --auth-type NONE --cors 'AllowOrigins=http://app.example,AllowMethods=POST,AllowHeaders=x-custom,MaxAge=60' --query FunctionUrl --output text)
check "create-function-url-config: a URL in AWS's form on Kumo's URL port" grep -Eq "^http://[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:$urlport/\$" <<<"$url"
# (Debian's aws CLI 2.9 predates InvokeMode: its model drops the member, so it is not asked for here.)
check "get-function-url-config: the same URL" \
  test "$(L get-function-url-config --function-name web --query '[FunctionUrl,AuthType,Cors.MaxAge]' --output text)" = "$url	NONE	60"
check "list-function-url-configs: one" test "$(L list-function-url-configs --function-name web --query 'length(FunctionUrlConfigs)' --output text)" = "1"
dup=$(L create-function-url-config --function-name web --auth-type NONE 2>&1)
check "a second create is ResourceConflictException" grep -q "ResourceConflictException.*FunctionUrlConfig exists for this Lambda function" <<<"$dup"

forbidden='403{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}'
check "a NONE URL without the public permission answers AWS's 403" \
  test "$("$CURL" -sS -o "$work/b" -w '%{http_code}' "$url"; cat "$work/b")" = "$forbidden"
L add-permission --function-name web --statement-id FunctionURLAllowPublicAccess --action lambda:InvokeFunctionUrl --principal '*' \
  --function-url-auth-type NONE >/dev/null
check "lambda:InvokeFunctionUrl alone is not enough (since October 2025 AWS wants lambda:InvokeFunction too)" \
  test "$("$CURL" -sS -o /dev/null -w '%{http_code}' "$url")" = 403
# Debian's aws CLI 2.9 predates --invoked-via-function-url (the condition lambda:InvokedViaFunctionUrl):
# the statement here is the broader, unconditioned public lambda:InvokeFunction.
L add-permission --function-name web --statement-id FunctionURLAllowInvokeAction --action lambda:InvokeFunction --principal '*' >/dev/null

out=$("$CURL" -sS -i -b 'k=v' -H 'content-type: application/json' -d '{"a":1}' "${url}p/q?x=1&x=2")
check "curl the host-based URL: 200 with the function's headers and cookie" grep -q '^x-from: fn' <<<"$(tr -d '\r' <<<"$out")"
check "Set-Cookie from cookies" grep -qi '^set-cookie: seen=1' <<<"$(tr -d '\r' <<<"$out")"
check "the event: path, joined query, cookies, body, method" \
  grep -q '{"path":"/p/q","q":{"x":"1,2"},"cookies":\["k=v"\],"body":"{\\"a\\":1}","method":"POST"}' <<<"$out"
id=$(sed -E 's#^http://([a-z0-9]{32})\..*#\1#' <<<"$url")
check "the path-based URL reaches the same function" \
  grep -q '"path":"/other"' <<<"$("$CURL" -sS "http://127.0.0.1:$urlport/lambda-url/$id/other")"
pre=$("$CURL" -sS -i -X OPTIONS -H 'Origin: http://app.example' -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: x-custom' "$url" | tr -d '\r')
check "a CORS preflight is answered by the URL with the configured headers" \
  bash -c 'grep -q "^access-control-allow-origin: http://app.example" <<<"$1" && grep -q "^access-control-max-age: 60" <<<"$1"' _ "$pre"

check "update-function-url-config to AWS_IAM" test "$(L update-function-url-config --function-name web --auth-type AWS_IAM --query AuthType --output text)" = "AWS_IAM"
check "an unsigned request to an AWS_IAM URL is 403 Forbidden" \
  test "$("$CURL" -sS -o "$work/b" -w '%{http_code}' "$url"; cat "$work/b")" = '403{"Message":"Forbidden"}'
L delete-function-url-config --function-name web
check "delete-function-url-config: the URL answers 403 {\"Message\":null}" \
  test "$("$CURL" -sS -o "$work/b" -w '%{http_code}' "$url"; cat "$work/b")" = '403{"Message":null}'
gone=$(L get-function-url-config --function-name web 2>&1)
check "get after delete is ResourceNotFoundException" grep -q "ResourceNotFoundException.*The resource you requested does not exist." <<<"$gone"

e2e_finish function-urls
