#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: EventBridge Scheduler as a user drives
# AWS's — a schedule group with tags, a schedule firing into a queue (with
# KUMO_SCHEDULER_ALLOW_SECONDS=1, rate(N seconds) shows repeated fires within
# seconds; AWS itself rejects seconds), get/list/update/delete, AWS's errors;
# then `kumo deploy` of a SAM template whose function has a ScheduleV2 event.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2), as make deps installs it
source test/e2e/lib.sh
e2e_start scheduler KUMO_SCHEDULER_ALLOW_SECONDS=1
S() { "$AWS" scheduler --endpoint-url "http://127.0.0.1:$port" "$@"; }
Q() { "$AWS" sqs --endpoint-url "http://127.0.0.1:$port" "$@"; }
role=arn:aws:iam::000000000000:role/scheduler-role

url=$(Q create-queue --queue-name ticks --query QueueUrl --output text)
qarn=arn:aws:sqs:us-east-1:000000000000:ticks
garn=$(S create-schedule-group --name jobs --tags Key=team,Value=a --query ScheduleGroupArn --output text)
check "create-schedule-group returns its ARN" test "$garn" = "arn:aws:scheduler:us-east-1:000000000000:schedule-group/jobs"
check "get-schedule-group: ACTIVE" test "$(S get-schedule-group --name jobs --query State --output text)" = "ACTIVE"
check "list-tags-for-resource" test "$(S list-tags-for-resource --resource-arn "$garn" --query 'Tags[0].Value' --output text)" = "a"
check "list-schedule-groups has default and jobs" test "$(S list-schedule-groups --query 'ScheduleGroups[].Name' --output text)" = "default	jobs"

arn=$(S create-schedule --name tick --group-name jobs --schedule-expression 'rate(2 seconds)' --flexible-time-window Mode=OFF \
  --target "{\"Arn\":\"$qarn\",\"RoleArn\":\"$role\",\"Input\":\"{\\\"at\\\":\\\"<aws.scheduler.scheduled-time>\\\"}\"}" --query ScheduleArn --output text)
check "create-schedule returns its ARN" test "$arn" = "arn:aws:scheduler:us-east-1:000000000000:schedule/jobs/tick"
S get-schedule --name tick --group-name jobs --output json >"$work/s.json"
check "get-schedule: the expression" grep -q '"ScheduleExpression": "rate(2 seconds)"' "$work/s.json"
check "get-schedule: AWS's default retry policy" grep -q '"MaximumRetryAttempts": 185' "$work/s.json"
check "get-schedule: UTC by default" grep -q '"ScheduleExpressionTimezone": "UTC"' "$work/s.json"
got=0
for _ in $(seq 1 15); do
  n=$(Q receive-message --queue-url "$url" --max-number-of-messages 10 --wait-time-seconds 1 --visibility-timeout 600 --query 'length(Messages)' --output text)
  [ "$n" != "None" ] && got=$((got + n))
  [ "$got" -ge 2 ] && break
done
check "the schedule fired into the queue at least twice" test "$got" -ge 2
check "update-schedule disables it" S update-schedule --name tick --group-name jobs --schedule-expression 'rate(2 seconds)' --flexible-time-window Mode=OFF \
  --state DISABLED --target "{\"Arn\":\"$qarn\",\"RoleArn\":\"$role\"}"
check "list-schedules --state DISABLED finds it" test "$(S list-schedules --state DISABLED --query 'Schedules[0].Name' --output text)" = "tick"

bad=$(S create-schedule --name bad --schedule-expression 'cron(0 1 * * * *)' --flexible-time-window Mode=OFF --target "{\"Arn\":\"$qarn\",\"RoleArn\":\"$role\"}" 2>&1)
check "an invalid expression: ValidationException in AWS's words" grep -q 'ValidationException.*Invalid Schedule Expression cron(0 1 \* \* \* \*)\.' <<<"$bad"
missing=$(S get-schedule --name nope 2>&1)
check "a missing schedule: ResourceNotFoundException" grep -q 'ResourceNotFoundException.*Schedule nope does not exist\.' <<<"$missing"
dup=$(S create-schedule --name tick --group-name jobs --schedule-expression 'rate(1 hour)' --flexible-time-window Mode=OFF --target "{\"Arn\":\"$qarn\",\"RoleArn\":\"$role\"}" 2>&1)
check "a taken name: ConflictException" grep -q 'ConflictException.*Schedule tick already exists\.' <<<"$dup"
check "delete-schedule-group deletes it and its schedules" S delete-schedule-group --name jobs
gone=$(S get-schedule --name tick --group-name jobs 2>&1)
check "its schedule is gone" grep -q 'ResourceNotFoundException' <<<"$gone"

# kumo deploy: a function with a ScheduleV2 event; its schedule invokes it with the event's Input.
mkdir -p "$work/app"
cat >"$work/app/template.yaml" <<'YAML'
Transform: AWS::Serverless-2016-10-31
Resources:
  Done:
    Type: AWS::SQS::Queue
    Properties: {QueueName: sched-done}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async (e) => e"
      Handler: index.handler
      Runtime: nodejs20.x
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess: {Type: SQS, Destination: !GetAtt Done.Arn}
      Events:
        Tick:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(2 seconds)
            Input: '{"job":"tick"}'
YAML
(cd "$work/app" && KUMO_ENDPOINT="http://127.0.0.1:$port" "$OLDPWD/bin/kumo" deploy --stack-name sched >"$work/deploy.log" 2>&1)
check "kumo deploy creates the ScheduleV2 schedule" grep -q 'WorkerTick: created schedule WorkerTick' "$work/deploy.log" || cat "$work/deploy.log"
check "get-schedule finds it, targeting the function" test "$(S get-schedule --name WorkerTick --query Target.Arn --output text)" = "arn:aws:lambda:us-east-1:000000000000:function:sched-Worker"
done_url=$(Q get-queue-url --queue-name sched-done --query QueueUrl --output text)
body=$(Q receive-message --queue-url "$done_url" --wait-time-seconds 20 --query 'Messages[0].Body' --output text)
check "the function ran with the event's Input" grep -q '"requestPayload":{"job":"tick"}' <<<"$body"

e2e_finish e2e-scheduler
