#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: Kumo's Parameter Store (SSM) as a
# user drives AWS's — put parameters (String, StringList, SecureString),
# read them back (by name, version, label, path), overwrite, see AWS's
# errors, and delete.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2), as make deps installs it
source test/e2e/lib.sh
e2e_start ssm
S() { "$AWS" ssm --endpoint-url "http://127.0.0.1:$port" "$@"; }

check "put-parameter String answers version 1" test "$(S put-parameter --name /app/db/host --value db.local --type String --query '[Version,Tier]' --output text)" = "1	Standard"
check "put-parameter StringList" S put-parameter --name /app/db/replicas --value a,b,c --type StringList
check "put-parameter SecureString" S put-parameter --name /app/db/password --value hunter2 --type SecureString
check "put-parameter in a deeper level" S put-parameter --name /app/db/pool/size --value 10 --type String
check "get-parameter returns the value and AWS's ARN" test "$(S get-parameter --name /app/db/host --query '[Parameter.Value,Parameter.ARN,Parameter.DataType]' --output text)" = "db.local	arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host	text"
sealed=$(S get-parameter --name /app/db/password --query Parameter.Value --output text)
check "a SecureString read without decryption is not the plaintext" test "$sealed" != "hunter2"
check "get-parameter --with-decryption returns the plaintext" test "$(S get-parameter --name /app/db/password --with-decryption --query Parameter.Value --output text)" = "hunter2"
dup=$(S put-parameter --name /app/db/host --value other --type String 2>&1)
check "a second put without --overwrite is ParameterAlreadyExists" grep -q 'ParameterAlreadyExists.*The parameter already exists. To overwrite this value, set the overwrite option in the request to true.' <<<"$dup"
check "put-parameter --overwrite answers version 2" test "$(S put-parameter --name /app/db/host --value db2.local --overwrite --query Version --output text)" = "2"
check "get-parameter name:1 reads the first version" test "$(S get-parameter --name /app/db/host:1 --query Parameter.Value --output text)" = "db.local"
check "label-parameter-version" S label-parameter-version --name /app/db/host --parameter-version 1 --labels stable
check "get-parameter name:label" test "$(S get-parameter --name /app/db/host:stable --query '[Parameter.Value,Parameter.Selector]' --output text)" = "db.local	:stable"
check "get-parameters-by-path one level" test "$(S get-parameters-by-path --path /app/db --query 'Parameters[].Name' --output text)" = "/app/db/host	/app/db/password	/app/db/replicas"
check "get-parameters-by-path --recursive (the CLI pages through NextToken, one per page)" test "$(S get-parameters-by-path --path /app --recursive --page-size 1 --query 'Parameters[].Name' --output text | tr '\n' ' ')" = "/app/db/host /app/db/password /app/db/pool/size /app/db/replicas "
check "get-parameters-by-path --with-decryption" test "$(S get-parameters-by-path --path /app/db --with-decryption --parameter-filters Key=Type,Values=SecureString --query 'Parameters[0].Value' --output text)" = "hunter2"
check "get-parameters lists what is missing" test "$(S get-parameters --names /app/db/host /app/none --query '[Parameters[0].Name,InvalidParameters[0]]' --output text)" = "/app/db/host	/app/none"
check "describe-parameters with a Name filter" test "$(S describe-parameters --parameter-filters Key=Name,Option=BeginsWith,Values=/app/db/p --query 'Parameters[].[Name,Type,KeyId]' --output text)" = "/app/db/password	SecureString	alias/aws/ssm
/app/db/pool/size	String	None"
check "get-parameter-history lists both versions" test "$(S get-parameter-history --name /app/db/host --query 'Parameters[].Version' --output text)" = "1	2"
missing=$(S get-parameter --name /app/nope 2>&1)
check "a missing parameter is ParameterNotFound" grep -q 'ParameterNotFound' <<<"$missing"
reserved=$(S put-parameter --name awsThing --value v --type String 2>&1)
check "a name prefixed with aws is refused as AWS words it" grep -q "ValidationException.*can't be prefixed with \"aws\" or \"ssm\"" <<<"$reserved"
kms=$(S put-parameter --name /app/k --value v --type SecureString --key-id alias/mine 2>&1)
check "a KMS key other than alias/aws/ssm is refused (Kumo has no KMS)" grep -q 'InvalidKeyId.*Kumo has no KMS' <<<"$kms"
check "delete-parameter" S delete-parameter --name /app/db/pool/size
check "delete-parameters answers deleted and invalid" test "$(S delete-parameters --names /app/db/replicas /app/none --query '[DeletedParameters[0],InvalidParameters[0]]' --output text)" = "/app/db/replicas	/app/none"
check "what is left under /app" test "$(S get-parameters-by-path --path /app --recursive --query 'Parameters[].Name' --output text)" = "/app/db/host	/app/db/password"

e2e_finish e2e-ssm
