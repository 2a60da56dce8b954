"""Pre-initialised execution environments (Kumo, not AWS: issue 13, item 5).

Kumo may start a Python EE before any function needs it: its container,
network, /tmp and this interpreter are up, /var/task and /opt are still empty,
and the environment holds only what every function of this runtime shares
(PATH, TZ, AWS_LAMBDA_RUNTIME_API...) plus ``_KUMO_PREWARMED=1``.
bootstrap.py calls ``wait()`` before it reads anything of the function; it
returns once a cold start has bound a function to the EE: Kumo's Runtime API
(an EE-only, Kumo-internal route) answers with the function's environment, by
which time its code is mounted read-only at /var/task (and its layers at
/opt). The process environment becomes exactly that one, the working
directory is entered again (the mount now covers it), and the bootstrap goes
on as in any EE. An EE is bound once, to one function version.

Does nothing in an EE started the ordinary way.
"""

import http.client
import json
import os
import sys

CONFIGURATION_PATH = "/2018-06-01/kumo/execution-environment/configuration"


def wait():
    if os.environ.get("_KUMO_PREWARMED") != "1":
        return
    api = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
    host, _, port = api.rpartition(":")
    try:
        conn = http.client.HTTPConnection(host, int(port))
        conn.request("GET", CONFIGURATION_PATH)
        res = conn.getresponse()
        body = res.read()
        conn.close()
        if res.status != 200:
            raise RuntimeError("status %d" % res.status)
        config = json.loads(body)
    except Exception as e:  # the platform gave up on this EE: nothing to run
        sys.stderr.write("kumo: the pre-initialised EE got no configuration: %s\n" % e)
        sys.exit(1)
    env = config.get("env") or {}
    # What the platform started the interpreter with goes; what its own start
    # added stays (PEP 538 locale coercion sets LC_CTYPE, as in any EE).
    platform_set = set(config.get("startedWith") or os.environ.keys())
    for k in list(os.environ.keys()):
        if k not in env and k in platform_set:
            del os.environ[k]
    os.environ.update(env)
    os.chdir(config.get("cwd") or "/var/task")
