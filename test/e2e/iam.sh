#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: Kumo's IAM and STS as a user drives
# AWS's — the default execution role, a user with an access key that signs
# as that user, a role with a trust policy, inline and managed policies
# attached, the lists, AWS's errors, and AssumeRole with the new key.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2), as make deps installs it
source test/e2e/lib.sh
e2e_start iam
I() { "$AWS" iam --endpoint-url "http://127.0.0.1:$port" "$@"; }
T() { "$AWS" sts --endpoint-url "http://127.0.0.1:$port" "$@"; }
acct=000000000000

check "the account root signs with the server's key" test "$(T get-caller-identity --query Arn --output text)" = "arn:aws:iam::$acct:root"
check "the default role lambda-role exists, trusting Lambda" test "$(I get-role --role-name lambda-role --query 'Role.AssumeRolePolicyDocument.Statement[0].Principal.Service' --output text)" = "lambda.amazonaws.com"
check "lambda-role has AWSLambdaBasicExecutionRole" test "$(I list-attached-role-policies --role-name lambda-role --query 'AttachedPolicies[0].PolicyArn' --output text)" = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
check "create-user" test "$(I create-user --user-name deployer --query User.Arn --output text)" = "arn:aws:iam::$acct:user/deployer"
dup=$(I create-user --user-name Deployer 2>&1)
check "a user name is unique without case (EntityAlreadyExists)" grep -q 'EntityAlreadyExists.*User with name Deployer already exists.' <<<"$dup"
key=$(I create-access-key --user-name deployer --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
kid=$(cut -f1 <<<"$key"); ksecret=$(cut -f2 <<<"$key")
check "create-access-key answers an AKIA id and a 40-character secret" test "${kid:0:4}${#kid}${#ksecret}" = "AKIA2040"
check "list-access-keys" test "$(I list-access-keys --user-name deployer --query 'AccessKeyMetadata[0].[AccessKeyId,Status]' --output text)" = "$kid	Active"
check "the new key signs get-caller-identity as the user" test "$(AWS_ACCESS_KEY_ID=$kid AWS_SECRET_ACCESS_KEY=$ksecret T get-caller-identity --query Arn --output text)" = "arn:aws:iam::$acct:user/deployer"
trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'$acct':user/deployer"},"Action":"sts:AssumeRole"}]}'
check "create-role with a trust policy naming the user" test "$(I create-role --role-name ci --assume-role-policy-document "$trust" --query Role.Arn --output text)" = "arn:aws:iam::$acct:role/ci"
check "put-role-policy" I put-role-policy --role-name ci --policy-name send --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}'
check "get-role-policy reads the document back decoded" test "$(I get-role-policy --role-name ci --policy-name send --query PolicyDocument.Statement[0].Action --output text)" = "sqs:SendMessage"
parn=$(I create-policy --policy-name read-logs --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:Get*","Resource":"*"}]}' --query Policy.Arn --output text)
check "create-policy answers the policy's ARN" test "$parn" = "arn:aws:iam::$acct:policy/read-logs"
check "attach-role-policy (customer managed)" I attach-role-policy --role-name ci --policy-arn "$parn"
check "attach-role-policy (AWS managed)" I attach-role-policy --role-name ci --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
check "list-attached-role-policies in attachment order" test "$(I list-attached-role-policies --role-name ci --query 'AttachedPolicies[].PolicyName' --output text)" = "read-logs	AWSLambdaBasicExecutionRole"
check "list-role-policies" test "$(I list-role-policies --role-name ci --query 'PolicyNames' --output text)" = "send"
check "list-users" test "$(I list-users --query 'Users[].UserName' --output text)" = "deployer"
check "list-roles (paged one by one by the CLI)" test "$(I list-roles --page-size 1 --query 'Roles[].RoleName' --output text | tr '\n' ' ')" = "ci lambda-role "
check "list-policies --scope Local" test "$(I list-policies --scope Local --query 'Policies[].[PolicyName,AttachmentCount]' --output text)" = "read-logs	1"
bad=$(I put-role-policy --role-name ci --policy-name bad --policy-document 'not json' 2>&1)
check "a document that is not a policy is MalformedPolicyDocument" grep -q 'MalformedPolicyDocument' <<<"$bad"
conflict=$(I delete-role --role-name ci 2>&1)
check "delete-role with policies left is DeleteConflict" grep -q 'DeleteConflict.*Cannot delete entity, must delete policies first.' <<<"$conflict"
creds=$(AWS_ACCESS_KEY_ID=$kid AWS_SECRET_ACCESS_KEY=$ksecret T assume-role --role-arn "arn:aws:iam::$acct:role/ci" --role-session-name build-7 --query '[AssumedRoleUser.Arn,Credentials.AccessKeyId]' --output text)
check "assume-role with the user's key answers the session's ARN and an ASIA key" grep -q "^arn:aws:sts::$acct:assumed-role/ci/build-7	ASIA" <<<"$creds"
denied=$(AWS_ACCESS_KEY_ID=$kid AWS_SECRET_ACCESS_KEY=$ksecret T assume-role --role-arn "arn:aws:iam::$acct:role/lambda-role" --role-session-name x1 2>&1)
check "assume-role of a role not trusting the user is AccessDenied in AWS's words" grep -q "AccessDenied.*User: arn:aws:iam::$acct:user/deployer is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$acct:role/lambda-role" <<<"$denied"
check "update-access-key --status Inactive" I update-access-key --user-name deployer --access-key-id "$kid" --status Inactive
inactive=$(AWS_ACCESS_KEY_ID=$kid AWS_SECRET_ACCESS_KEY=$ksecret T get-caller-identity 2>&1)
check "an inactive key is refused" grep -q 'InvalidClientTokenId' <<<"$inactive"
check "delete-access-key" I delete-access-key --user-name deployer --access-key-id "$kid"
check "delete-user" I delete-user --user-name deployer
missing=$(I get-user --user-name deployer 2>&1)
check "a deleted user is NoSuchEntity" grep -q 'NoSuchEntity.*The user with name deployer cannot be found.' <<<"$missing"

e2e_finish e2e-iam
