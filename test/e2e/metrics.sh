#!/usr/bin/env bash
# End-to-end with the real aws CLI v2 (which speaks CloudWatch's query
# protocol): invocations and errors of a function counted by
# `aws cloudwatch get-metric-statistics`, put-metric-data of a user's own
# namespace read back by get-metric-data and list-metrics, AWS's error for a
# bad Period.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
e2e_start metrics
E="--endpoint-url http://127.0.0.1:$port"
L() { "$AWS" lambda $E "$@"; }
C() { "$AWS" cloudwatch $E "$@"; }

mkdir -p "$work/fn"
echo 'exports.handler = async (e) => { if (e.fail) throw new Error("boom"); return 1; };' > "$work/fn/index.js"
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name metered --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/fn.zip" >/dev/null
L wait function-active-v2 --function-name metered
for _ in 1 2 3; do L invoke --function-name metered --cli-binary-format raw-in-base64-out --payload '{}' "$work/out.json" >/dev/null; done
L invoke --function-name metered --cli-binary-format raw-in-base64-out --payload '{"fail":true}' "$work/out.json" >/dev/null
start=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ); end=$(date -u -d '+5 min' +%Y-%m-%dT%H:%M:%SZ)
stat() { C get-metric-statistics --namespace AWS/Lambda --metric-name "$1" --dimensions Name=FunctionName,Value=metered \
  --start-time "$start" --end-time "$end" --period 7200 --statistics Sum --query 'sum(Datapoints[].Sum)' --output text; }
check "get-metric-statistics: 4 Invocations" test "$(stat Invocations)" = "4.0"
check "get-metric-statistics: 1 Errors" test "$(stat Errors)" = "1.0"
check "get-metric-statistics: Duration p99 within Maximum" python3 -c 'import json,sys; d=json.loads(sys.argv[1])["Datapoints"][0]; assert 0 < d["ExtendedStatistics"]["p99"] <= d["Maximum"], d' \
  "$(C get-metric-statistics --namespace AWS/Lambda --metric-name Duration --dimensions Name=FunctionName,Value=metered --start-time "$start" --end-time "$end" --period 7200 --statistics Maximum --extended-statistics p99)"
check "a Period that is not a multiple of 60: InvalidParameterValue" bash -c '"$@" 2>&1 | grep -q InvalidParameterValue' _ \
  "$AWS" cloudwatch $E get-metric-statistics --namespace AWS/Lambda --metric-name Invocations --start-time "$start" --end-time "$end" --period 61 --statistics Sum
C put-metric-data --namespace E2E/App --metric-name Hits --dimensions Page=home --value 5 --unit Count
C put-metric-data --namespace E2E/App --metric-name Hits --dimensions Page=home --value 7 --unit Count
check "get-metric-data sums put-metric-data's values" test "$(C get-metric-data --start-time "$start" --end-time "$end" \
  --metric-data-queries '[{"Id":"h","MetricStat":{"Metric":{"Namespace":"E2E/App","MetricName":"Hits","Dimensions":[{"Name":"Page","Value":"home"}]},"Period":7200,"Stat":"Sum"}}]' \
  --query 'MetricDataResults[0].Values[0]' --output text)" = "12.0"
check "list-metrics lists it" test "$(C list-metrics --namespace E2E/App --query 'Metrics[0].MetricName' --output text)" = "Hits"
e2e_finish metrics.sh
