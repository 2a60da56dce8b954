#!/usr/bin/env bash
# End-to-end with the real aws CLI v2: TracingConfig Active set and read back
# by `aws lambda`, the function's _X_AMZN_TRACE_ID (Sampled=1), and the
# invocation's spans reaching an OTLP/HTTP collector (a few lines of Python
# here, OTLP's JSON encoding) under the trace id of the header's Root.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
spans=$(mktemp /tmp/kumo-e2e-otlp.XXXXXX)
cport_file=$(mktemp /tmp/kumo-e2e-otlp-port.XXXXXX)
python3 - "$spans" "$cport_file" <<'PY' &
import http.server, json, sys
out, port_file = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        if self.headers.get("content-length") is not None:
            raw = self.rfile.read(int(self.headers["content-length"]))
        else:  # chunked
            raw = b""
            while True:
                n = int(self.rfile.readline().strip().split(b";")[0], 16)
                if n == 0:
                    self.rfile.readline()
                    break
                raw += self.rfile.read(n)
                self.rfile.readline()
        body = json.loads(raw)
        with open(out, "a") as f:
            for rs in body.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for s in ss.get("spans", []):
                        f.write(f'{s["traceId"]} {s["name"]}\n')
        self.send_response(200); self.send_header("content-type", "application/json"); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(port_file, "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
collector=$!
e2e_cleanup() { kill "$collector" 2>/dev/null; rm -f "$spans" "$cport_file"; }
for _ in $(seq 1 50); do [ -s "$cport_file" ] && break; sleep 0.1; done
e2e_start tracing OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://127.0.0.1:$(cat "$cport_file")/v1/traces"
E="--endpoint-url http://127.0.0.1:$port"
L() { "$AWS" lambda $E "$@"; }

mkdir -p "$work/fn"
echo 'exports.handler = async () => ({ trace: process.env._X_AMZN_TRACE_ID });' > "$work/fn/index.js"
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name traced --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/fn.zip" --tracing-config Mode=Active >/dev/null
L wait function-active-v2 --function-name traced
check "get-function-configuration: TracingConfig Active" test "$(L get-function-configuration --function-name traced --query TracingConfig.Mode --output text)" = "Active"
L invoke --function-name traced --cli-binary-format raw-in-base64-out --payload '{}' "$work/out.json" >/dev/null
trace=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["trace"])' "$work/out.json")
check "_X_AMZN_TRACE_ID: Root, Parent, Sampled=1" bash -c '[[ "$1" =~ ^Root=1-[0-9a-f]{8}-[0-9a-f]{24}\;Parent=[0-9a-f]{16}\;Sampled=1$ ]]' _ "$trace"
tid=$(echo "$trace" | sed 's/^Root=1-\([0-9a-f]\{8\}\)-\([0-9a-f]\{24\}\).*/\1\2/')
for _ in $(seq 1 100); do grep -q "^$tid Overhead$" "$spans" && break; sleep 0.1; done
for name in Invoke traced Initialization Invocation Overhead; do
  check "the collector got the $name span of trace $tid" grep -q "^$tid $name$" "$spans"
done
L update-function-configuration --function-name traced --tracing-config Mode=PassThrough >/dev/null
L wait function-updated-v2 --function-name traced
check "update-function-configuration: TracingConfig PassThrough" test "$(L get-function-configuration --function-name traced --query TracingConfig.Mode --output text)" = "PassThrough"
e2e_finish tracing.sh
