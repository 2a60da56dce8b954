/** Help texts: `kumo --help` and `kumo <command> --help`. Each has a usage line, every option, and examples. */

const env = `Environment:
  KUMO_ENDPOINT      the server (default http://127.0.0.1:9001)
  KUMO_DATA_DIR      the local server's data dir (default: the nearest .kumo in this directory or
                     a parent); its credentials.json is used when the server is on this machine
  KUMO_ACCESS_KEY_ID / KUMO_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE
  KUMO_REGION (else AWS_REGION, default us-east-1), KUMO_ACCOUNT_ID (000000000000)
`;

export const commandHelp: Record<string, string> = {
  server: `Usage: kumo server [--port 9001] [--host 127.0.0.1] [--data-dir ./.kumo]

Starts the API (AWS Lambda REST API 2015-03-31, SigV4) and everything behind it,
and prints the credentials to use with the aws CLI / SDKs. Needs root (runc).

Options:
  --port N         port to listen on (0 picks a free one; default 9001)
  --host ADDR      address to listen on (default 127.0.0.1)
  --data-dir DIR   where metadata, code, logs and keys live (default ./.kumo)

Server environment:
  KUMO_ACCESS_KEY_ID / KUMO_SECRET_ACCESS_KEY   fixed API credentials (else generated in the data dir)
  KUMO_REGION (us-east-1), KUMO_ACCOUNT_ID (000000000000), KUMO_EE_IDLE_MS (600000)
  KUMO_ASYNC_RETRY_DELAYS_MS (60000,120000), KUMO_EE_SUBNET
  KUMO_URL_PORT (the port + 1; 0 with --port 0)  where function URLs are served
  KUMO_URL_HOST (the host)                        the function URL listener's address
  KUMO_INVOKE_PORT, KUMO_INVOKE_HOST (the host)   serve Invoke on its own listener (and only there)
  KUMO_ACCOUNTS (none)                            more accounts, comma-separated 12-digit ids (at most 9);
                                                  each root key in <data-dir>/accounts/<id>/credentials.json

Examples:
  sudo kumo server
  sudo kumo server --port 0 --data-dir /tmp/kumo-data
`,
  invoke: `Usage: kumo invoke <function> [--event FILE|-] [--payload JSON] [--qualifier Q] [--async] [--no-logs]

Invokes a function and prints its result on stdout and the tail of its log
(the last 4 KB, LogType Tail) on stderr. Exits 1 when the function failed.
<function> is a name, an ARN, or a logical ID of the template deployed from
the current directory (.kumo-stack.json).

Options:
  --event FILE      the event (JSON) from a file, or - for stdin (default {})
  --payload JSON    the event given inline
  --qualifier Q     version number or alias (default $LATEST)
  --async           InvocationType Event: queue it and print the request id
  --no-logs         do not print the log tail

Examples:
  kumo invoke my-function
  kumo invoke my-function --event events/event.json
  kumo generate-event sqs receive-message --body hi | kumo invoke my-function --event -
  kumo invoke my-function --qualifier live --payload '{"name":"Kumo"}'
`,
  ls: `Usage: kumo ls [--json]

Lists the functions on the server: name, runtime, memory, timeout, state, last modified.

Options:
  --json    print ListFunctions' FunctionConfiguration objects as JSON

Examples:
  kumo ls
  KUMO_ENDPOINT=http://10.0.0.5:9001 kumo ls --json
`,
  rm: `Usage: kumo rm <function>... [--qualifier VERSION]

Deletes functions (all their versions and aliases), or one version with --qualifier.

Options:
  --qualifier V    delete only this published version

Examples:
  kumo rm my-function
  kumo rm old-a old-b
`,
  logs: `Usage: kumo logs <function> [--since 10m] [--filter PATTERN] [--follow] [--limit N] [--data-dir DIR]

Prints a function's log lines (log group /aws/lambda/<function>): START, END,
REPORT and everything the function printed, oldest first.

By default the logs come from the server at KUMO_ENDPOINT through its
CloudWatch Logs API (FilterLogEvents, as \`aws logs filter-log-events\` reads
them); with --data-dir (or KUMO_DATA_DIR) they are read from a local server's
data dir.

Options:
  --since D      only lines newer than D (30s, 10m, 2h, 1d)
  --filter PAT   only lines matching the CloudWatch Logs filter pattern PAT:
                 terms (all must occur, case-sensitive), "quoted phrases",
                 ?either ?or, -excluded, { $.level = "ERROR" } on JSON lines
  --follow       keep printing new lines until Ctrl-C
  --limit N      at most N lines per request (default and maximum 10000)
  --data-dir DIR read the local data dir instead of asking the server

Examples:
  kumo logs my-function --since 10m
  kumo logs my-function --follow --filter ERROR
  kumo logs my-function --data-dir /var/lib/kumo
`,
  'generate-event': `Usage: kumo generate-event <service> <event> [options]

Prints a sample event shaped like the one AWS sends, with SAM CLI's names.
Pipe it into \`kumo invoke <fn> --event -\`, or save it as events/event.json.

Events and their options:
  apigateway http-api-proxy   --body --path --method --stage --account-id --region
  apigateway aws-proxy        --body --path --method --stage --resource --account-id --region
  sqs receive-message         --body --queue --account-id --region
  s3 put                      --bucket --key --size --region
  s3 delete                   --bucket --key --region
  cloudwatch scheduled-event  --rule --account-id --region
  sns notification            --message --subject --topic --account-id --region
  kinesis get-records         --data --partition-key --sequence --region
  dynamodb update             --table --account-id --region

API Gateway bodies are base64-encoded (isBase64Encoded: true), as in AWS's samples.

Examples:
  kumo generate-event apigateway http-api-proxy --body '{"name":"kumo"}' --path hello
  kumo generate-event s3 put --bucket photos --key 2024/cat.jpg
  kumo generate-event sqs receive-message --queue orders --body '{"id":1}' > events/sqs.json
  kumo generate-event --list
`,
  deploy: `Usage: kumo deploy [-t template.yaml] [--parameter-overrides K=V ...] [--stack-name NAME] [--dry-run] [--runtime-fallback] [--architecture-fallback]

Deploys a SAM / CloudFormation template to the server: packages each code
directory into a zip (deterministic, so unchanged code keeps its CodeSha256),
prints the plan (create / update / delete / unchanged), then applies it:
uploads, waits for Active, publishes versions and aliases. Only what changed
is touched; a resource that fails is named with the reason and the others keep
working. What the deploy made is kept in .kumo-stack.json beside the template,
so resources removed from the template are deleted next time.

Supported: Transform AWS::Serverless-2016-10-31, Globals (Function), Parameters
(with overrides), Conditions, Outputs, !Ref !Sub !GetAtt !If !Equals !Not !And
!Or !Join !Select !Split !FindInMap !Base64 !Condition; AWS::Serverless::Function
(Events of Type SQS, SNS, Kinesis, EventBridgeRule, CloudWatchEvent, Schedule
and ScheduleV2, DeadLetterQueue, EventInvokeConfig, FunctionUrlConfig),
AWS::Serverless::LayerVersion, AWS::Lambda::Function / LayerVersion / Alias /
Version / EventSourceMapping / EventInvokeConfig / Url, AWS::SQS::Queue /
QueuePolicy, AWS::SNS::Topic / TopicPolicy / Subscription, AWS::Kinesis::Stream,
AWS::Events::EventBus / EventBusPolicy / Rule, AWS::Scheduler::Schedule /
ScheduleGroup, AWS::SSM::Parameter, AWS::Logs::LogGroup. Other resource types
are listed once as not deployed and skipped; other function Events are reported.

Options:
  -t, --template FILE          the template (default template.yaml, then template.yml, template.json)
  --parameter-overrides K=V    parameter values (also ParameterKey=K,ParameterValue=V); repeatable
  --stack-name NAME            names the functions NAME-<LogicalId> (default: the template's directory)
  --dry-run                    print the plan and stop
  --runtime-fallback           a Runtime the server does not run: deploy on the nearest one of the same language (said in the output)
  --architecture-fallback      Architectures the server does not run for that runtime (e.g. arm64 python3.11 on an x86_64 host;
                               arm64 Node.js and provided.* run emulated): deploy for the host's architecture (said in the output)

Examples:
  kumo deploy
  kumo deploy -t infra/template.yaml --parameter-overrides Stage=prod MemorySize=256
  kumo deploy --dry-run
`,
  'event-sources': `Usage: kumo event-sources [--json]

The server's Lambda event source mappings (ListEventSourceMappings): state,
function, source, batch size, last processing result and, for Kinesis
mappings, the IteratorAge (how far behind the newest record the last read
was; "-" before a read returned records or while the mapping is stopped),
which the server keeps in memory.
`,
  queues: `Usage: kumo queues [--json]
       kumo queues peek <queue> [-n N] [--json]
       kumo queues redrive <dlq> [--to QUEUE]
       kumo queues send <queue> <body|-> [--delay S] [--group-id G] [--dedup-id D]

The server's SQS queues, through its SQS API. <queue> is a name, a queue URL
or an ARN.

  (no sub-command)  every queue with its visible, in-flight and delayed
                    messages, its dead-letter queue (and after how many
                    receives) and which queues it is the dead-letter queue of
  peek              shows up to N messages (default 10, at most 100) with their
                    attributes and body, and leaves them in the queue: they are
                    received and made visible again at once. SQS has no
                    read-only receive, so a peek counts as a receive: on a queue
                    with a RedrivePolicy, peeking a message maxReceiveCount
                    times moves it to the dead-letter queue
  redrive           moves a dead-letter queue's messages back to the queues
                    they came from (StartMessageMoveTask), or --to another
                    queue, waits until the move is done and reports the count
  send              sends one message; - reads the body from stdin

Options:
  -n, --number N    how many messages peek shows
  --json            the list or the messages as JSON
  --to QUEUE        redrive to this queue instead of the sources
  --delay S         DelaySeconds for send (0–900)
  --group-id G      MessageGroupId (FIFO queues)
  --dedup-id D      MessageDeduplicationId (FIFO queues without content-based deduplication)

Examples:
  kumo queues
  kumo queues peek orders-dlq -n 5
  kumo queues redrive orders-dlq
  kumo queues send orders '{"id": 1}'
  echo '{"id": 2}' | kumo queues send orders -
`,
  cost: `Usage: kumo cost [--since 30d] [--by tag:KEY] [--function NAME] [--json]

Prints what the functions would cost on AWS Lambda: per function (or per value
of a tag), billed requests, GB-seconds (billed duration, INIT included, rounded
up to 1 ms, times memory), cost before and after the monthly free tier, and the
total. Usage is read from the server with CloudWatch GetMetricData (namespace
Kumo/Lambda, one point per UTC day, kept 455 days).

  --since N(d|h)   how far back (default 30d; at most 455d)
  --by tag:KEY     one row per value of the functions' tag KEY
  --function NAME  only this function
  --json           the bill as JSON

Prices: AWS's us-east-1 on-demand prices, or the JSON table in KUMO_PRICING_FILE
(members currency, requestPricePerMillion, durationTiers.x86_64/arm64
[{upToGbSeconds, pricePerGbSecond}…], ephemeralStoragePricePerGbSecond,
freeTier {requests, gbSeconds}); a malformed table is refused naming the member.
`,
  init: `Usage: kumo init [--blueprint NAME] [DIR]
       kumo init --list

Creates a project from a blueprint: template.yaml, code, a sample event
(events/event.json) and a test that runs locally without dependencies
(node --test, or python3 -m unittest). Without --blueprint, asks which one
when run in a terminal. DIR defaults to the blueprint's name; it must be empty
or not exist.

Options:
  --blueprint NAME   the blueprint (see --list)
  --list             name the blueprints

Examples:
  kumo init --list
  kumo init --blueprint hello-nodejs my-app && cd my-app && kumo deploy
  kumo init
`,
  dev: `Usage: kumo dev [-t template.yaml] [--parameter-overrides K=V ...] [--debug [--debug-port N] [--debug-brk]]

Deploys the template, then watches every function's code directory and the
template: a change to one function's code redeploys only that function (the
others keep their warm execution environments); a change to the template
redeploys what the template changed. Ctrl-C stops watching (the functions stay).

Options:
  -t, --template FILE          the template (default template.yaml)
  --parameter-overrides K=V    as for deploy
  --stack-name NAME            as for deploy
  --debug                      open each function's debugger on 127.0.0.1 (below),
                               stretch every function's Timeout to 900 s, one EE per function
  --debug-port N               the first function's host port (default 9229; the next
                               functions get the next free ports)
  --debug-brk                  as --debug, and each EE's runtime waits for a debugger
                               before it loads the handler (to debug module-level code)

Debugging: the server must be started with KUMO_DEBUG_FUNCTIONS=1 (an open
inspector runs any code in the function: only on a machine you alone use; any
local user can connect to 127.0.0.1). After each deploy kumo dev prints, per
function, its inspector's WebSocket URL:
  kumo dev: debugger for my-app-Fn: ws://127.0.0.1:9229/<id> (VS Code: attach ...)
Attach before invoking (connecting starts the function's EE, so breakpoints
are set before the handler runs): VS Code "type": "node", "request":
"attach", "port": 9229, "localRoot": "\${workspaceFolder}/<CodeUri>",
"remoteRoot": "/var/task", "restart": true (a redeploy replaces the EE; the
debugger reconnects to the new one on the same port); or chrome://inspect
with 127.0.0.1:9229 under Configure. Then invoke as usual (kumo invoke, the
API's URL): the handler stops at your breakpoints; other invokes of that
function wait for its one EE. Python functions get debugpy instead (Debian's
python3-debugpy, installed by make deps): kumo dev prints its port; VS Code
"type": "debugpy", "request": "attach", "connect": {"host": "127.0.0.1",
"port": N}, "pathMappings": [{"localRoot": "<CodeUri>", "remoteRoot":
"/var/task"}]. Ruby, Java and custom-runtime functions are listed as
"no debugger" and run as usual.
Ctrl-C closes the ports; the functions then run as usual again.

Examples:
  kumo dev
  KUMO_DEBUG_FUNCTIONS=1 kumo server     # in another terminal, then:
  kumo dev --debug
  kumo dev --debug-brk --debug-port 9300
`,
};

export const mainHelp = `kumo — a self-hosted AWS Lambda, and the developer CLI for it

Usage: kumo <command> [options]      (kumo <command> --help for each)

Server:
  server           start the API (AWS Lambda REST API, SigV4) and the sandboxes

Projects:
  init             create a project from a blueprint (--list to see them)
  deploy           deploy a SAM template: plan, package, upload, wait for Active
  dev              deploy, then redeploy on every code change (hot reload)

Functions:
  invoke           invoke a function; prints the result and the log tail
  logs             print (or --follow) a function's logs
  ls               list functions
  rm               delete functions
  generate-event   print a sample event (apigateway, sqs, s3, sns, …)

Queues:
  queues           list queues with their depth; peek, redrive a DLQ, send a test message
  event-sources    list event source mappings with their state and IteratorAge

Audit:
  history          a function's configuration history (who changed what, when) from the audit trail
  audit verify     check the audit trail's chain in a data dir (a changed or removed record is found)

Cost:
  cost             a bill per function (or --by tag:KEY) for --since 30d: requests, GB-seconds, cost before and after the free tier

${env}
Errors from the server are printed as "<AWS error name>: <message>".

Examples:
  sudo kumo server                                   # in one terminal
  kumo init --blueprint hello-nodejs hello && cd hello
  kumo deploy
  kumo invoke HelloFunction --event events/event.json
  kumo logs HelloFunction --since 5m
  kumo dev
`;
