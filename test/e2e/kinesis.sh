#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: Kumo's stream service (Kinesis) as a
# user drives AWS's — create a stream, wait for it, put records (one and a
# batch), read them back from an iterator, split a shard, tag, change the
# retention, see AWS's errors for what does not exist, and a second account
# (KUMO_ACCOUNTS) refused a put-record by StreamARN until the stream's resource
# policy (put-resource-policy) allows it.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2), as make deps installs it
source test/e2e/lib.sh
e2e_start kinesis KUMO_ACCOUNTS=111111111111
K() { "$AWS" kinesis --endpoint-url "http://127.0.0.1:$port" "$@"; }

check "create-stream with 2 shards" K create-stream --stream-name clicks --shard-count 2
check "wait stream-exists" K wait stream-exists --stream-name clicks
check "describe-stream-summary: ACTIVE with 2 open shards" test "$(K describe-stream-summary --stream-name clicks --query '[StreamDescriptionSummary.StreamStatus,StreamDescriptionSummary.OpenShardCount]' --output text)" = "ACTIVE	2"
arn=$(K describe-stream --stream-name clicks --query StreamDescription.StreamARN --output text)
check "the stream ARN is AWS's form" test "$arn" = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"
check "list-streams lists it" test "$(K list-streams --query 'StreamNames[0]' --output text)" = "clicks"

# The CLI v2 takes --data as base64 ("aGVsbG8=" is "hello"); ExplicitHashKey 0 is in shard 0.
one=$(K put-record --stream-name clicks --partition-key user-1 --data aGVsbG8= --explicit-hash-key 0 --query '[ShardId,SequenceNumber]' --output text)
check "put-record answers shard 0 and a 56-digit sequence number" grep -qE '^shardId-000000000000	[0-9]{56}$' <<<"$one"
batch=$(K put-records --stream-name clicks --records Data=YQ==,PartitionKey=a,ExplicitHashKey=1 Data=Yg==,PartitionKey=b,ExplicitHashKey=2 --query FailedRecordCount --output text)
check "put-records: no failed record" test "$batch" = "0"
it=$(K get-shard-iterator --stream-name clicks --shard-id shardId-000000000000 --shard-iterator-type TRIM_HORIZON --query ShardIterator --output text)
check "get-records returns the three records in order" test "$(K get-records --shard-iterator "$it" --query 'Records[].Data' --output text)" = "aGVsbG8=	YQ==	Yg=="
seq=$(cut -f2 <<<"$one")
it=$(K get-shard-iterator --stream-name clicks --shard-id shardId-000000000000 --shard-iterator-type AFTER_SEQUENCE_NUMBER --starting-sequence-number "$seq" --query ShardIterator --output text)
check "an AFTER_SEQUENCE_NUMBER iterator starts after it" test "$(K get-records --shard-iterator "$it" --query 'Records[].PartitionKey' --output text)" = "a	b"
check "list-shards by StreamARN" test "$(K list-shards --stream-arn "$arn" --query 'length(Shards)' --output text)" = "2"

check "split-shard" K split-shard --stream-name clicks --shard-to-split shardId-000000000000 --new-starting-hash-key 1000
check "wait stream-exists after the split" K wait stream-exists --stream-name clicks
check "three open shards, the parent closed" test "$(K list-shards --stream-name clicks --query 'length(Shards[?SequenceNumberRange.EndingSequenceNumber==null])' --output text)" = "3"
it=$(K get-shard-iterator --stream-name clicks --shard-id shardId-000000000000 --shard-iterator-type TRIM_HORIZON --query ShardIterator --output text)
check "the closed parent keeps its records" test "$(K get-records --shard-iterator "$it" --query 'length(Records)' --output text)" = "3"

check "add-tags-to-stream" K add-tags-to-stream --stream-name clicks --tags team=web
check "list-tags-for-stream" test "$(K list-tags-for-stream --stream-name clicks --query 'Tags[0].[Key,Value]' --output text)" = "team	web"
check "increase-stream-retention-period" K increase-stream-retention-period --stream-name clicks --retention-period-hours 48
check "the retention is 48 hours" test "$(K describe-stream-summary --stream-name clicks --query StreamDescriptionSummary.RetentionPeriodHours --output text)" = "48"

missing=$(K describe-stream --stream-name nope 2>&1)
check "a missing stream is ResourceNotFoundException" grep -q 'ResourceNotFoundException.*Stream nope under account 000000000000 not found.' <<<"$missing"
dup=$(K create-stream --stream-name clicks --shard-count 1 2>&1)
check "a second create is ResourceInUseException" grep -q 'ResourceInUseException' <<<"$dup"
efo=$(K register-stream-consumer --stream-arn "$arn" --consumer-name c 2>&1)
check "enhanced fan-out is refused by name" grep -q 'Kumo does not support RegisterStreamConsumer' <<<"$efo"
# Another account, by StreamARN: refused without a resource policy, allowed by one.
other=111111111111
keyfile="$work/data/accounts/$other/credentials.json"
bid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).accessKeyId)' "$keyfile")
bsecret=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).secretAccessKey)' "$keyfile")
B() { AWS_ACCESS_KEY_ID=$bid AWS_SECRET_ACCESS_KEY=$bsecret AWS_MAX_ATTEMPTS=1 "$@"; }
err=$(B K put-record --stream-arn "$arn" --partition-key p --data aGVsbG8= 2>&1)
check "another account's put-record is refused without a resource policy, in AWS's words" \
  grep -q "AccessDeniedException.*User: arn:aws:iam::$other:root is not authorized to perform: kinesis:PutRecord on resource: $arn because no resource-based policy allows the kinesis:PutRecord action" <<<"$err"
if "$AWS" kinesis put-resource-policy help >/dev/null 2>&1; then
  policy="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"b\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"$other\"},\"Action\":[\"kinesis:PutRecord\",\"kinesis:DescribeStreamSummary\"],\"Resource\":\"$arn\"}]}"
  check "put-resource-policy" K put-resource-policy --resource-arn "$arn" --policy "$policy"
  check "get-resource-policy answers it" test "$(K get-resource-policy --resource-arn "$arn" --query Policy --output text)" = "$policy"
  check "now the other account's put-record is accepted" grep -qE '^shardId-' <<<"$(B K put-record --stream-arn "$arn" --partition-key p --data aGVsbG8= --query ShardId --output text)"
  check "delete-resource-policy" K delete-resource-policy --resource-arn "$arn"
  check "get-resource-policy of a stream without one is {}" test "$(K get-resource-policy --resource-arn "$arn" --query Policy --output text)" = "{}"
  err=$(K delete-resource-policy --resource-arn "$arn" 2>&1)
  check "a second delete is ResourceNotFoundException" grep -q "ResourceNotFoundException" <<<"$err"
else
  echo "skip - this aws CLI ($("$AWS" --version 2>&1 | cut -d' ' -f1)) has no put-resource-policy (Kinesis resource policies came in November 2023); test/integration/bus-stream-policies.test.ts covers it"
fi
check "delete-stream" K delete-stream --stream-name clicks
check "wait stream-not-exists" K wait stream-not-exists --stream-name clicks

e2e_finish e2e-kinesis
