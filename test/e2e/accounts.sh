#!/usr/bin/env bash
# End-to-end with the real aws CLI: two accounts on one server (KUMO_ACCOUNTS).
# The second account's root key signs as that account; each account sees only
# its own functions and queues; a cross-account invoke by function ARN is
# refused until the owner's add-permission names the caller's account, and
# refused again after remove-permission; a layer version of the owner is
# refused to the other account until add-layer-version-permission names it,
# then its function's EE reads the layer in /opt; a user of the other account
# assumes the owner's role when the trust names the account and its own
# policy allows; the same grant-and-revoke for a queue (sqs add-permission:
# the query protocol, AWSAccountId.N / ActionName.N, as this CLI speaks it)
# and a topic (sns add-permission). The rest (IAM users, URLs, EEs'
# credentials, limits, PostgreSQL, RemoveLayerVersionPermission, ExternalId)
# is in test/integration/accounts.test.ts, accounts-sharing.test.ts and
# queue-topic-policies.test.ts.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
e2e_start acct KUMO_ACCOUNTS=111111111111
export AWS_MAX_ATTEMPTS=1
L() { "$AWS" lambda --endpoint-url "http://127.0.0.1:$port" "$@"; }
S() { "$AWS" sqs --endpoint-url "http://127.0.0.1:$port" "$@"; }
T() { "$AWS" sts --endpoint-url "http://127.0.0.1:$port" "$@"; }
N() { "$AWS" sns --endpoint-url "http://127.0.0.1:$port" "$@"; }
quiet() { "$@" >/dev/null; }
home=000000000000
other=111111111111
keyfile="$work/data/accounts/$other/credentials.json"
check "the server names the other account's key file" grep -q "account $other (KUMO_ACCOUNTS): its root key (generated) is in $keyfile" "$work/server.log"
bid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).accessKeyId)' "$keyfile")
bsecret=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).secretAccessKey)' "$keyfile")
B() { AWS_ACCESS_KEY_ID=$bid AWS_SECRET_ACCESS_KEY=$bsecret "$@"; }

check "the other account's root key signs as that account" test "$(B T get-caller-identity --query Arn --output text)" = "arn:aws:iam::$other:root"
mkdir -p "$work/fn"
echo 'exports.handler = async () => ({ account: process.env.AWS_LAMBDA_FUNCTION_NAME + "@" + process.env.OWNER });' > "$work/fn/index.js"
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name hello --runtime nodejs20.x --handler index.handler --role "arn:aws:iam::$home:role/lambda-role" \
  --environment "Variables={OWNER=$home}" --zip-file "fileb://$work/fn.zip" >/dev/null
B L create-function --function-name hello --runtime nodejs20.x --handler index.handler --role "arn:aws:iam::$other:role/lambda-role" \
  --environment "Variables={OWNER=$other}" --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name hello
B L wait function-active-v2 --function-name hello
check "each account lists its own function" test "$(L list-functions --query 'Functions[].FunctionArn' --output text) $(B L list-functions --query 'Functions[].FunctionArn' --output text)" = \
  "arn:aws:lambda:us-east-1:$home:function:hello arn:aws:lambda:us-east-1:$other:function:hello"
B L invoke --function-name hello "$work/b.json" >/dev/null
check "the same name runs each account's own function" grep -q "hello@$other" "$work/b.json"
B S create-queue --queue-name only-b >/dev/null
check "a queue of one account is not in the other's list" test -z "$(S list-queues --query 'QueueUrls' --output text | grep only-b)"

target="arn:aws:lambda:us-east-1:$home:function:hello"
denied=$(B L invoke --function-name "$target" "$work/x.json" 2>&1)
check "a cross-account invoke without a policy is AccessDenied in AWS's words" grep -q \
  "AccessDeniedException.*User: arn:aws:iam::$other:root is not authorized to perform: lambda:InvokeFunction on resource: $target because no resource-based policy allows the lambda:InvokeFunction action" <<<"$denied"
check "add-permission naming the other account" L add-permission --function-name hello --statement-id b --action lambda:InvokeFunction --principal "$other"
B L invoke --function-name "$target" "$work/cross.json" >/dev/null
check "then the other account invokes the owner's function" grep -q "hello@$home" "$work/cross.json"
check "remove-permission" L remove-permission --function-name hello --statement-id b
again=$(B L invoke --function-name "$target" "$work/y.json" 2>&1)
check "and it is refused again" grep -q "AccessDeniedException" <<<"$again"

# Layer sharing: the owner's layer version, refused to the other account until the owner grants it.
I() { "$AWS" iam --endpoint-url "http://127.0.0.1:$port" "$@"; }
mkdir -p "$work/layer" "$work/uses"
echo "owned by $home" > "$work/layer/shared.txt"
(cd "$work/layer" && "$ZIP" -q ../layer.zip shared.txt)
larn=$(L publish-layer-version --layer-name shared --zip-file "fileb://$work/layer.zip" --query LayerVersionArn --output text)
echo 'exports.handler = async () => require("fs").readFileSync("/opt/shared.txt", "utf8");' > "$work/uses/index.js"
(cd "$work/uses" && "$ZIP" -q ../uses.zip index.js)
create_uses() { B L create-function --function-name uses-layer --runtime nodejs20.x --handler index.handler --role "arn:aws:iam::$other:role/lambda-role" \
  --zip-file "fileb://$work/uses.zip" --layers "$larn" 2>&1; }
check "another account's layer version is AccessDenied in AWS's words" grep -q \
  "AccessDeniedException.*User: arn:aws:iam::$other:root is not authorized to perform: lambda:GetLayerVersion on resource: $larn because no resource-based policy allows the lambda:GetLayerVersion action" <<<"$(create_uses)"
grant() { L add-layer-version-permission --layer-name shared --version-number 1 --statement-id b --action lambda:GetLayerVersion --principal "$other" >/dev/null; }
check "add-layer-version-permission naming the other account" grant
check "then the other account's create-function with the layer succeeds" grep -q "$larn" <<<"$(create_uses)"
B L wait function-active-v2 --function-name uses-layer
B L invoke --function-name uses-layer "$work/uses.json" >/dev/null
check "and its EE reads the owner's layer in /opt" grep -q "owned by $home" "$work/uses.json"
check "get-layer-version-by-arn from the other account answers the owner's layer" test "$(B L get-layer-version-by-arn --arn "$larn" --query LayerArn --output text)" = "arn:aws:lambda:us-east-1:$home:layer:shared"

# Cross-account assume-role: the owner's role trusts the other account, whose user may sts:AssumeRole it.
I create-role --role-name from-b --assume-role-policy-document "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"$other\"},\"Action\":\"sts:AssumeRole\"}]}" >/dev/null
B I create-user --user-name ops >/dev/null
keys=$(B I create-access-key --user-name ops --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
read -r okid osecret <<<"$keys"
O() { AWS_ACCESS_KEY_ID=$okid AWS_SECRET_ACCESS_KEY=$osecret "$@"; }
refused=$(O T assume-role --role-arn "arn:aws:iam::$home:role/from-b" --role-session-name e2e 2>&1)
check "assume-role of the owner's role without the user's own permission is AccessDenied" grep -q \
  "AccessDenied.*User: arn:aws:iam::$other:user/ops is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$home:role/from-b" <<<"$refused"
B I put-user-policy --user-name ops --policy-name assume --policy-document "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"arn:aws:iam::$home:role/from-b\"}]}"
session=$(O T assume-role --role-arn "arn:aws:iam::$home:role/from-b" --role-session-name e2e --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
read -r sid ssecret stoken <<<"$session"
check "with it, the session is the owner's account's" test "$(AWS_ACCESS_KEY_ID=$sid AWS_SECRET_ACCESS_KEY=$ssecret AWS_SESSION_TOKEN=$stoken T get-caller-identity --query Arn --output text)" = \
  "arn:aws:sts::$home:assumed-role/from-b/e2e"

qurl=$(S create-queue --queue-name shared --query QueueUrl --output text)
qarn="arn:aws:sqs:us-east-1:$home:shared"
qdenied=$(B S send-message --queue-url "$qurl" --message-body x 2>&1)
check "a cross-account send without a queue policy is AccessDenied in SQS's words" grep -q \
  "AccessDenied.*User: arn:aws:iam::$other:root is not authorized to perform: sqs:sendmessage on resource: $qarn because no resource-based policy allows the sqs:sendmessage action" <<<"$qdenied"
check "sqs add-permission naming the other account" S add-permission --queue-url "$qurl" --label b --aws-account-ids "$other" --actions SendMessage ReceiveMessage
check "the queue's Policy has the statement" grep -q '"Sid":"b".*"SQS:SendMessage","SQS:ReceiveMessage"' <<<"$(S get-queue-attributes --queue-url "$qurl" --attribute-names Policy --query Attributes.Policy --output text)"
check "then the other account sends to the owner's queue by URL" quiet B S send-message --queue-url "$qurl" --message-body from-b
check "and receives it" test "$(B S receive-message --queue-url "$qurl" --query 'Messages[0].Body' --output text)" = from-b
dup=$(S add-permission --queue-url "$qurl" --label b --aws-account-ids "$other" --actions SendMessage 2>&1)
check "a label in use is AWS's InvalidParameterValue" grep -q "InvalidParameterValue.*Value b for parameter Label is invalid. Reason: Already exists." <<<"$dup"
check "sqs remove-permission" S remove-permission --queue-url "$qurl" --label b
check "and the send is refused again" grep -q AccessDenied <<<"$(B S send-message --queue-url "$qurl" --message-body x 2>&1)"

tarn=$(N create-topic --name news --query TopicArn --output text)
tdenied=$(B N publish --topic-arn "$tarn" --message x 2>&1)
check "a cross-account publish without a topic policy is AuthorizationError" grep -q \
  "AuthorizationError.*User: arn:aws:iam::$other:root is not authorized to perform: SNS:Publish on resource: $tarn" <<<"$tdenied"
check "sns add-permission naming the other account" N add-permission --topic-arn "$tarn" --label b --aws-account-id "$other" --action-name Publish
check "then the other account publishes to the owner's topic" quiet B N publish --topic-arn "$tarn" --message from-b
check "sns remove-permission" N remove-permission --topic-arn "$tarn" --label b
check "and the publish is refused again" grep -q AuthorizationError <<<"$(B N publish --topic-arn "$tarn" --message x 2>&1)"

e2e_finish e2e-accounts
