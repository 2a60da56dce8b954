#!/usr/bin/env bash
# End-to-end with the real aws CLI: add-permission (a service principal with
# a source ARN, an account), get-policy (AWS's document and RevisionId),
# --revision-id refused when stale, remove-permission, a version's and an
# alias's own policies, AWS's errors, and the policy after a restart. The
# statement shapes, every error and the NONE URL rule are covered in
# test/integration/function-policy.test.ts.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
e2e_start p
export AWS_MAX_ATTEMPTS=1
L() { "$AWS" lambda --endpoint-url "http://127.0.0.1:$port" "$@"; }
acct=000000000000
fn_arn="arn:aws:lambda:us-east-1:$acct:function:pol"

mkdir -p "$work/fn"
echo 'exports.handler = async () => "ok";' > "$work/fn/index.js"
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name pol --runtime nodejs20.x --handler index.handler --role "arn:aws:iam::$acct:role/lambda-role" \
  --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name pol

none=$(L get-policy --function-name pol 2>&1)
check "get-policy without a policy: ResourceNotFoundException" grep -q "ResourceNotFoundException.*The resource you requested does not exist." <<<"$none"
stmt=$(L add-permission --function-name pol --statement-id s3 --action lambda:InvokeFunction --principal s3.amazonaws.com \
  --source-arn arn:aws:s3:::test-bucket --query Statement --output text)
check "add-permission answers the statement as AWS forms it" test "$stmt" = \
  "{\"Sid\":\"s3\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"$fn_arn\",\"Condition\":{\"ArnLike\":{\"AWS:SourceArn\":\"arn:aws:s3:::test-bucket\"}}}"
policy=$(L get-policy --function-name pol --query Policy --output text)
check "get-policy: Version, Id default, the statement" test "$policy" = "{\"Version\":\"2012-10-17\",\"Id\":\"default\",\"Statement\":[$stmt]}"
rev=$(L get-policy --function-name pol --query RevisionId --output text)
check "get-policy: a RevisionId" grep -Eq '^[0-9a-f-]{36}$' <<<"$rev"
L add-permission --function-name pol --statement-id account --action lambda:GetFunction --principal 123456789012 --revision-id "$rev" >/dev/null
check "add-permission --revision-id with the current one: an account principal as its root ARN" \
  test "$(L get-policy --function-name pol --query Policy --output text | python3 -c 'import json,sys; print(json.load(sys.stdin)["Statement"][1]["Principal"]["AWS"])')" = "arn:aws:iam::123456789012:root"
stale=$(L add-permission --function-name pol --statement-id late --action lambda:InvokeFunction --principal '*' --revision-id "$rev" 2>&1)
check "a stale --revision-id: PreconditionFailedException" grep -q "PreconditionFailedException.*Call the GetPolicy API to retrieve the latest Revision Id" <<<"$stale"
dup=$(L add-permission --function-name pol --statement-id s3 --action lambda:InvokeFunction --principal s3.amazonaws.com 2>&1)
check "a statement id twice: ResourceConflictException" grep -q "ResourceConflictException.*The statement id (s3) provided already exists" <<<"$dup"
bad=$(L add-permission --function-name pol --statement-id x --action lambda:InvokeFunction --principal invalid.nonaws.com 2>&1)
check "an invalid principal: InvalidParameterValueException" grep -q "The provided principal was invalid. Please check the principal and try again." <<<"$bad"
latest=$(L add-permission --function-name pol --qualifier '$LATEST' --statement-id x --action lambda:InvokeFunction --principal '*' 2>&1)
check "no policies on \$LATEST" grep -q 'We currently do not support adding policies for \$LATEST.' <<<"$latest"

v=$(L publish-version --function-name pol --query Version --output text)
L create-alias --function-name pol --name live --function-version "$v" >/dev/null
L add-permission --function-name pol --qualifier "$v" --statement-id v --action lambda:InvokeFunction --principal events.amazonaws.com >/dev/null
L add-permission --function-name pol:live --statement-id a --action lambda:InvokeFunction --principal sns.amazonaws.com >/dev/null
check "a version's policy names the version ARN" \
  test "$(L get-policy --function-name pol --qualifier "$v" --query Policy --output text | python3 -c 'import json,sys; print(json.load(sys.stdin)["Statement"][0]["Resource"])')" = "$fn_arn:$v"
check "an alias's policy names the alias ARN" \
  test "$(L get-policy --function-name pol --qualifier live --query Policy --output text | python3 -c 'import json,sys; print(json.load(sys.stdin)["Statement"][0]["Resource"])')" = "$fn_arn:live"
check "the function's policy is its own (two statements)" \
  test "$(L get-policy --function-name pol --query Policy --output text | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["Statement"]))')" = 2

missing=$(L remove-permission --function-name pol --statement-id nope 2>&1)
check "remove-permission of an unknown statement: AWS's message" grep -q "Statement nope is not found in resource policy." <<<"$missing"
L remove-permission --function-name pol --statement-id account
L remove-permission --function-name pol --statement-id s3 --revision-id "$(L get-policy --function-name pol --query RevisionId --output text)"
gone=$(L get-policy --function-name pol 2>&1)
check "remove-permission of the last statement leaves no policy" grep -q "The resource you requested does not exist." <<<"$gone"

# A restart keeps the version's and the alias's policies.
kill -TERM "$pid"; wait "$pid" 2>/dev/null
./bin/kumo server --port 0 --data-dir "$work/data" >"$work/server2.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 300); do port=$(sed -n 's#.*listening on http://127.0.0.1:\([0-9]*\).*#\1#p' "$work/server2.log"); [ -n "$port" ] && break; sleep 0.1; done
check "after a restart the alias's policy is there" \
  test "$(L get-policy --function-name pol --qualifier live --query Policy --output text | python3 -c 'import json,sys; print(json.load(sys.stdin)["Statement"][0]["Sid"])')" = a
L delete-alias --function-name pol --name live
check "delete-alias deletes its policy" grep -q "The resource you requested does not exist." <<<"$(L get-policy --function-name pol --qualifier live 2>&1)"

e2e_finish function-policy
