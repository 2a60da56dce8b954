#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: control plane vs data plane
# (KUMO_INVOKE_PORT). `aws lambda invoke` works against the invoke address
# and is refused on the API port; `aws lambda list-functions` works on the
# API port and is refused on the invoke address.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
e2e_start invoke-plane KUMO_INVOKE_PORT=0
inv=$(sed -n 's#.*Invoke (data plane) on \(http://[^ ]*\).*#\1#p' "$work/server.log")
E="--endpoint-url http://127.0.0.1:$port"
I="--endpoint-url $inv"
check "the server names its invoke address" test -n "$inv"

mkdir -p "$work/fn"
echo 'exports.handler = async (e) => ({ got: e });' > "$work/fn/index.js"
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
"$AWS" lambda $E create-function --function-name plane --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/fn.zip" >/dev/null
"$AWS" lambda $E wait function-active-v2 --function-name plane
"$AWS" lambda $I invoke --function-name plane --cli-binary-format raw-in-base64-out --payload '{"a":1}' "$work/out.json" >/dev/null
check "invoke on the invoke address" grep -q '"got":{"a":1}' "$work/out.json"
err=$("$AWS" lambda $E invoke --function-name plane "$work/out2.json" 2>&1 >/dev/null)
check "invoke on the API port is refused, naming the invoke address" grep -q "AccessDeniedException.*Invoke is served on Kumo's invoke address ($inv)" <<<"$err"
check "list-functions on the API port" test "$("$AWS" lambda $E list-functions --query 'length(Functions)' --output text)" = "1"
err=$("$AWS" lambda $I list-functions 2>&1 >/dev/null)
check "list-functions on the invoke address is refused" grep -q "AccessDeniedException.*ListFunctions is not served on Kumo's invoke address" <<<"$err"
e2e_finish invoke-plane.sh
