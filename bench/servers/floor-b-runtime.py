# Floor B's runtime process (Python): the Runtime API loop and nothing else.
import http.client
import json
import os
import sys

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")


def handler(event, context):
    return {"ok": True}


conn = http.client.HTTPConnection(host, int(port))
while True:
    try:
        conn.request("GET", "/2018-06-01/runtime/invocation/next")
        r = conn.getresponse()
        body = r.read()
        rid = r.getheader("lambda-runtime-aws-request-id")
        out = json.dumps(handler(json.loads(body), None)).encode()
        conn.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body=out,
                     headers={"content-type": "application/json"})
        conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        sys.exit(0)
