#!/usr/bin/env bash
# End-to-end with the real aws CLI (issue 19): a hello-world in Java (java17),
# Ruby (ruby3.2) and Go (provided.al2023, a bootstrap compiled here) deploys,
# answers, logs, reports a thrown error in AWS's shape and times out as AWS
# does; dotnet8 is refused naming what is missing; on an x86_64 host, Go and
# Node.js functions with --architectures arm64 run on (emulated) arm64. (Node.js and Python walk the
# same steps in quickstart.sh.)
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS and $ZIP, as make deps installs them
GO=$(tool go) || exit 2
JAVAC=$(tool javac) || exit 2
JAR=$(tool jar) || exit 2
scripts/build-java-runtime.sh || exit 2
source test/e2e/lib.sh
e2e_start rt
L() { "$AWS" lambda --endpoint-url "http://127.0.0.1:$port" "$@"; }
binfmt=""; "$AWS" --version 2>&1 | grep -q '^aws-cli/2' && binfmt="--cli-binary-format raw-in-base64-out"
role=arn:aws:iam::000000000000:role/lambda-role

# deploy NAME RUNTIME HANDLER ZIP [TIMEOUT]
deploy() {
  L create-function --function-name "$1" --runtime "$2" --handler "$3" --role $role --timeout "${5:-10}" \
    --zip-file "fileb://$4" >/dev/null && L wait function-active-v2 --function-name "$1"
}
# call NAME PAYLOAD: writes $work/NAME.out (the answer), $work/NAME.log (the log tail), $work/NAME.err (FunctionError)
call() {
  L invoke --function-name "$1" $binfmt --payload "$2" --log-type Tail \
    --query '[FunctionError, LogResult]' --output text "$work/$1.out" >"$work/$1.meta"
  cut -f1 "$work/$1.meta" >"$work/$1.err"
  cut -f2 "$work/$1.meta" | base64 -d >"$work/$1.log"
}
answered() { grep -q "$2" "$work/$1.out" && grep -qx None "$work/$1.err"; }
failed_with() { grep -qx Unhandled "$work/$1.err" && grep -q "$2" "$work/$1.out"; }
logged() { grep -q "$2" "$work/$1.log"; }

# --- Java --------------------------------------------------------------------
mkdir -p "$work/java/src/hello" "$work/java/classes"
cat >"$work/java/src/hello/Handler.java" <<'JAVA'
package hello;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

public class Handler implements RequestHandler<Map<String, Object>, String> {
    @Override
    public String handleRequest(Map<String, Object> event, Context context) {
        context.getLogger().log("java saw " + event.get("name"));
        if (event.containsKey("fail")) throw new IllegalArgumentException("bad " + event.get("name"));
        if (event.containsKey("sleep")) {
            try { Thread.sleep(5000); } catch (InterruptedException e) { throw new RuntimeException(e); }
        }
        return "Hello from Java, " + event.get("name");
    }
}
JAVA
"$JAVAC" --release 17 -g -cp runtimes/java/build/kumo-java-runtime.jar -d "$work/java/classes" "$work/java/src/hello/Handler.java"
"$JAR" --create --file "$work/java.jar" -C "$work/java/classes" .
deploy hello-java java17 hello.Handler "$work/java.jar"
call hello-java '{"name":"Kumo"}'
check "java17 answers" answered hello-java '"Hello from Java, Kumo"'
check "java17 logs through LambdaLogger" logged hello-java 'java saw Kumo'
call hello-java '{"name":"x","fail":true}'
check "java17 reports a thrown exception in AWS's shape" failed_with hello-java '"errorMessage":"bad x","errorType":"java.lang.IllegalArgumentException","stackTrace":\["hello.Handler.handleRequest(Handler.java:11)"\]'
L update-function-configuration --function-name hello-java --timeout 1 >/dev/null && L wait function-updated-v2 --function-name hello-java
call hello-java '{"name":"slow","sleep":true}'
check "java17 times out as AWS does" failed_with hello-java 'Task timed out after 1.00 seconds'

# --- Ruby --------------------------------------------------------------------
mkdir -p "$work/ruby"
cat >"$work/ruby/lambda_function.rb" <<'RUBY'
def lambda_handler(event:, context:)
  puts "ruby saw #{event['name']}"
  raise ArgumentError, "bad #{event['name']}" if event['fail']
  sleep 5 if event['sleep']
  "Hello from Ruby, #{event['name']}"
end
RUBY
(cd "$work/ruby" && "$ZIP" -q ../ruby.zip lambda_function.rb)
deploy hello-ruby ruby3.2 lambda_function.lambda_handler "$work/ruby.zip" 1
call hello-ruby '{"name":"Kumo"}'
check "ruby3.2 answers" answered hello-ruby '"Hello from Ruby, Kumo"'
check "ruby3.2 logs puts" logged hello-ruby 'ruby saw Kumo'
call hello-ruby '{"name":"x","fail":true}'
check "ruby3.2 reports a raised error in AWS's shape" failed_with hello-ruby '"errorMessage":"bad x","errorType":"Function<ArgumentError>","stackTrace":\["/var/task/lambda_function.rb:3:in `lambda_handler'"'"'"\]'
call hello-ruby '{"name":"slow","sleep":true}'
check "ruby3.2 times out as AWS does" failed_with hello-ruby 'Task timed out after 1.00 seconds'

# --- Go (provided.al2023) ------------------------------------------------------
mkdir -p "$work/go"
HOME="$work/go" GOCACHE="${TMPDIR:-/tmp}/kumo-test-go-cache" GOPATH="$work/go/path" GOPROXY=off CGO_ENABLED=0 \
  "$GO" build -trimpath -o "$work/go/bootstrap" test/fixtures/go-runtime/main.go
(cd "$work/go" && "$ZIP" -q ../go.zip bootstrap)
deploy hello-go provided.al2023 bootstrap "$work/go.zip" 1
call hello-go '{"name":"Kumo"}'
check "provided.al2023 (Go) answers" answered hello-go '"greeting":"Hello, Kumo"'
check "provided.al2023 (Go) logs" logged hello-go 'hello from go, request'
call hello-go '{"fail":true}'
check "provided.al2023 (Go) reports an error" failed_with hello-go '{"errorMessage":"go says no","errorType":"errorString"}'
call hello-go '{"sleepMs":5000}'
check "provided.al2023 (Go) times out as AWS does" failed_with hello-go 'Task timed out after 1.00 seconds'
go_old=$(L create-function --function-name old-go --runtime go1.x --handler main --role $role --zip-file "fileb://$work/go.zip" 2>&1)
check "go1.x is refused with AWS's deprecation error" grep -q 'The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda functions' <<<"$go_old"

# --- .NET ----------------------------------------------------------------------
dotnet=$(L create-function --function-name hello-dotnet --runtime dotnet8 --handler a::b::c --role $role --zip-file "fileb://$work/go.zip" 2>&1)
check "dotnet8 is refused naming what is missing" grep -q "dotnet8 is not supported by this Kumo server: it needs the .NET 8 runtime and SDK" <<<"$dotnet"

# --- arm64 (an x86_64 host runs it through qemu-user, README "Architectures") --
if [ "$(uname -m)" = x86_64 ]; then
  mkdir -p "$work/goarm" "$work/nodearm"
  HOME="$work/goarm" GOCACHE="${TMPDIR:-/tmp}/kumo-test-go-cache" GOPATH="$work/goarm/path" GOPROXY=off CGO_ENABLED=0 GOARCH=arm64 \
    "$GO" build -trimpath -o "$work/goarm/bootstrap" test/fixtures/go-arch/main.go
  (cd "$work/goarm" && "$ZIP" -q ../goarm.zip bootstrap)
  echo "exports.handler = async () => process.arch + ' ' + require('os').machine();" >"$work/nodearm/index.js"
  (cd "$work/nodearm" && "$ZIP" -q ../nodearm.zip index.js)
  L create-function --function-name arm-go --runtime provided.al2023 --handler bootstrap --role $role --architectures arm64 \
    --zip-file "fileb://$work/goarm.zip" >/dev/null && L wait function-active-v2 --function-name arm-go
  call arm-go '{}'
  check "provided.al2023 on arm64 (a GOARCH=arm64 bootstrap) sees arm64" answered arm-go '"goarch":"arm64","machine":"aarch64"'
  L create-function --function-name arm-node --runtime nodejs22.x --handler index.handler --role $role --architectures arm64 \
    --zip-file "fileb://$work/nodearm.zip" >/dev/null && L wait function-active-v2 --function-name arm-node
  call arm-node '{}'
  check "nodejs22.x on arm64 sees arm64" answered arm-node '"arm64 aarch64"'
  check "the configuration says arm64" grep -qx arm64 <(L get-function-configuration --function-name arm-node --query 'Architectures[0]' --output text)
  py_arm=$(L create-function --function-name arm-py --runtime python3.11 --handler index.handler --role $role --architectures arm64 \
    --zip-file "fileb://$work/nodearm.zip" 2>&1)
  check "python3.11 on arm64 is refused naming what the host runs" grep -q "Architectures arm64 is not supported by this Kumo server for python3.11: it runs functions on its host's architecture (x86_64)" <<<"$py_arm"
fi

e2e_finish e2e-runtimes
