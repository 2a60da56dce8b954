#!/usr/bin/env bash
# End-to-end with the real aws CLI and curl: `aws apigatewayv2` create-api
# (HTTP, with CORS), an AWS_PROXY integration to a Lambda function (payload
# 2.0 and 1.0), routes with a path parameter, {proxy+} and $default, the
# $default stage and a named stage with stage variables; curl the host-based
# endpoint (*.localhost resolves to loopback in curl) and the path-based one,
# a CORS preflight, 404 for no route, the AWS errors of a bad route key and
# an unknown API, update-route / update-integration / update-stage /
# update-api, delete-api. The payload shapes in full are covered in
# test/integration/http-apis.test.ts.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
CURL=$(tool curl) || exit 2
source test/e2e/lib.sh
e2e_start h
export AWS_MAX_ATTEMPTS=1
L() { "$AWS" lambda --endpoint-url "http://127.0.0.1:$port" "$@"; }
G() { "$AWS" apigatewayv2 --endpoint-url "http://127.0.0.1:$port" "$@"; }

mkdir -p "$work/fn"
cat > "$work/fn/index.js" <<'JS'
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    v: event.version, route: event.routeKey || event.resource, params: event.pathParameters, stage: (event.requestContext || {}).stage,
    vars: event.stageVariables, method: event.httpMethod || event.requestContext.http.method,
  }),
});
JS
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name api --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name api
arn=arn:aws:lambda:us-east-1:000000000000:function:api

read -r api endpoint < <(G create-api --name shop --protocol-type HTTP \
  --cors-configuration 'AllowOrigins=http://app.example,AllowMethods=GET,MaxAge=60' --query '[ApiId,ApiEndpoint]' --output text)
check "create-api: an ApiEndpoint in AWS's form on Kumo's URL port" grep -Eq "^http://$api\.execute-api\.us-east-1\.localhost:[0-9]+\$" <<<"$endpoint"
urlport=${endpoint##*:}
i2=$(G create-integration --api-id "$api" --integration-type AWS_PROXY --integration-uri "$arn" --payload-format-version 2.0 --query IntegrationId --output text)
i1=$(G create-integration --api-id "$api" --integration-type AWS_PROXY --integration-uri "$arn" --payload-format-version 1.0 --query IntegrationId --output text)
G create-route --api-id "$api" --route-key 'GET /pets/{id}' --target "integrations/$i2" >/dev/null
G create-route --api-id "$api" --route-key 'ANY /files/{proxy+}' --target "integrations/$i1" >/dev/null
def=$(G create-route --api-id "$api" --route-key '$default' --target "integrations/$i2" --query RouteId --output text)
G create-stage --api-id "$api" --stage-name '$default' --auto-deploy >/dev/null
G create-stage --api-id "$api" --stage-name prod --auto-deploy --stage-variables env=production >/dev/null
check "get-routes: three routes" test "$(G get-routes --api-id "$api" --query 'length(Items)' --output text)" = "3"

check "curl GET /pets/42 (payload 2.0): the route, its path parameter, the \$default stage" \
  test "$("$CURL" -sS "$endpoint/pets/42")" = '{"v":"2.0","route":"GET /pets/{id}","params":{"id":"42"},"stage":"$default","method":"GET"}'
check "curl DELETE /files/a/b (payload 1.0): {proxy+}" \
  test "$("$CURL" -sS -X DELETE "$endpoint/files/a/b")" = '{"v":"1.0","route":"/files/{proxy+}","params":{"proxy":"a/b"},"stage":"$default","vars":null,"method":"DELETE"}'
check "curl /prod/pets/7: the named stage and its variables" \
  test "$("$CURL" -sS "$endpoint/prod/pets/7")" = '{"v":"2.0","route":"GET /pets/{id}","params":{"id":"7"},"stage":"prod","vars":{"env":"production"},"method":"GET"}'
check "the path-based form reaches the same API" \
  grep -q '"route":"\$default"' <<<"$("$CURL" -sS "http://127.0.0.1:$urlport/execute-api/$api/else/where")"
pre=$("$CURL" -sS -i -X OPTIONS -H 'Origin: http://app.example' -H 'Access-Control-Request-Method: GET' "$endpoint/pets/1" | tr -d '\r')
check "a CORS preflight is answered by the API with the configured headers" \
  bash -c 'grep -q "^HTTP/1.1 204" <<<"$1" && grep -q "^access-control-allow-origin: http://app.example" <<<"$1" && grep -q "^access-control-max-age: 60" <<<"$1"' _ "$pre"
G delete-route --api-id "$api" --route-id "$def"
check "no route: 404 {\"message\":\"Not Found\"}" \
  test "$("$CURL" -sS -o "$work/b" -w '%{http_code}' "$endpoint/else"; cat "$work/b")" = '404{"message":"Not Found"}'

# The update operations as the aws CLI sends them (PATCH).
pets=$(G get-routes --api-id "$api" --query "Items[?RouteKey=='GET /pets/{id}'].RouteId" --output text)
G update-route --api-id "$api" --route-id "$pets" --route-key 'GET /animals/{id}' >/dev/null
check "update-route: the route answers at its new key" \
  grep -q '"route":"GET /animals/{id}"' <<<"$("$CURL" -sS "$endpoint/animals/3")"
G update-integration --api-id "$api" --integration-id "$i2" --payload-format-version 1.0 >/dev/null
check "update-integration: the route now gets payload 1.0" grep -q '"v":"1.0"' <<<"$("$CURL" -sS "$endpoint/animals/3")"
G update-stage --api-id "$api" --stage-name prod --stage-variables env=staging >/dev/null
check "update-stage: new stage variables" grep -q '"vars":{"env":"staging"}' <<<"$("$CURL" -sS "$endpoint/prod/animals/3")"
check "update-api: a new name" test "$(G update-api --api-id "$api" --name store --query Name --output text)" = "store"
taken=$(G update-route --api-id "$api" --route-id "$pets" --route-key 'ANY /files/{proxy+}' 2>&1)
check "update-route to a key in use is ConflictException" grep -q "ConflictException" <<<"$taken"

bad=$(G create-route --api-id "$api" --route-key 'FETCH /x' 2>&1)
check "a bad route key is BadRequestException" grep -q "BadRequestException" <<<"$bad"
G delete-api --api-id "$api"
gone=$(G get-api --api-id "$api" 2>&1)
check "get-api after delete-api is NotFoundException" grep -q "NotFoundException.*Invalid API identifier specified" <<<"$gone"
check "a deleted API answers 404" test "$("$CURL" -sS -o /dev/null -w '%{http_code}' "$endpoint/pets/1")" = "404"

e2e_finish http-api
