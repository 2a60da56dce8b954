"""Kumo's Python runtime interface client (python3.11).

Runs inside every Python execution environment as
``/usr/bin/python3 /var/runtime/python/bootstrap.py``, imports the function's
handler once, then loops over the Runtime API (2018-06-01):

  1. GET  /runtime/invocation/next           (long poll; one event)
  2. call handler(event, context)
  3. POST /runtime/invocation/{id}/response  or  /{id}/error
  4. back to 1 (module state and /tmp stay warm)

An init failure is logged, posted to /runtime/init/error, and the process
exits with status 1.

Everything the function can observe reproduces AWS's managed python3.11
runtime: sys.path order, init error types and messages, the context object,
error bodies and stack trace format, the ``[ERROR]`` log record, the root
logger's handler and format, unbuffered stdout/stderr and the response
encoding (including Decimal as a JSON number and bytes as a raw body).

Standard library only. Logs go to stdout; the platform splits stdout on LF, so
a multi-line log record is written with CR between its lines to stay one log
event, the way AWS's runtime frames its error records on stdout.
"""

import decimal
import http.client
import importlib
import io
import json
import logging
import math
import os
import re
import sys
import time
import traceback
from urllib.parse import quote

# A pre-initialised EE waits here for its function's environment and code
# (Kumo's, see kumo_prewarm.py); the module is not left for the handler to see.
import kumo_prewarm  # noqa: E402

kumo_prewarm.wait()
del sys.modules["kumo_prewarm"], kumo_prewarm

# AWS_ENDPOINT_URL for the runtime's (older) boto3 (Kumo's, see kumo_endpoint.py).
import kumo_endpoint  # noqa: E402

kumo_endpoint.install()
del sys.modules["kumo_endpoint"], kumo_endpoint

TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")

# AWS's order: the function's code, then the layers' Python directories, then
# the interpreter's own paths. The runtime's directory is not importable.
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]
sys.path[0:0] = [TASK_ROOT, "/opt/python/lib/python3.11/site-packages", "/opt/python"]


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class FaultException(Exception):
    """An error the runtime itself reports, with AWS's ``Runtime.*`` type."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


def error_body(message, error_type, stack_trace, request_id=None):
    """The JSON body of /error and /init/error, in AWS's key order."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def _user_frames(tb):
    """Traceback frames from the first one outside this file (AWS drops the runtime's own frames)."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            return frames[i:]
    return frames


def exception_body(exc, request_id=None):
    """AWS's body for a raised exception: frames as ``traceback.format_list`` prints them (no carets)."""
    return error_body(str(exc), type(exc).__name__, traceback.format_list(_user_frames(exc.__traceback__)), request_id)


# ---------------------------------------------------------------------------
# Response encoding (AWS: simplejson with Decimal as a raw number, bytes as text)
# ---------------------------------------------------------------------------

_RAW_MARK = "\x00kumo-raw-%d-" % os.getpid()
# How a placeholder string looks once JSON-encoded with ensure_ascii.
_RAW_RE = re.compile(r'"\\u0000kumo-raw-%d-(\d+)"' % os.getpid())


class _Encoder(json.JSONEncoder):
    """json.dumps as AWS's python3.11 runtime does it.

    Decimal values are written as their exact text (simplejson's raw JSON); the
    standard encoder cannot emit raw text, so they go through a placeholder that
    is swapped back afterwards (only when a Decimal was seen).
    """

    def __init__(self):
        super().__init__(allow_nan=True)
        self.raw = []

    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            self.raw.append(str(o))
            return "%s%d" % (_RAW_MARK, len(self.raw) - 1)
        if isinstance(o, (bytes, bytearray)):
            return bytes(o).decode("utf-8")
        return super().default(o)

    def encode(self, o):
        self.raw = []
        text = super().encode(o)
        if self.raw:
            raw = self.raw
            text = _RAW_RE.sub(lambda m: raw[int(m.group(1))], text)
            self.raw = []
        return text


_encoder = _Encoder()


def to_json(obj):
    return _encoder.encode(obj)


def marshal_response(response):
    """(body bytes, content type); bytes pass through untouched as AWS does."""
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None)


def unmarshal_request(body, content_type):
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None)


# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------


class _AutoFlush(io.TextIOWrapper):
    """stdout/stderr that reach the file descriptor on every write (AWS runs them unbuffered),
    so an invocation's output is out before its response is posted, and survives a kill."""

    def write(self, s):
        n = super().write(s)
        self.flush()
        return n


def _unbuffered(stream):
    try:
        return _AutoFlush(stream.buffer, encoding=stream.encoding, errors=stream.errors)
    except (AttributeError, ValueError):
        return stream


_LOG_FORMAT_JSON = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
# AWS_LAMBDA_LOG_LEVEL (LoggingConfig.ApplicationLogLevel): TRACE maps to DEBUG; unset leaves
# the root logger at Python's default (WARNING).
_LOG_LEVEL = {None: "", "TRACE": "DEBUG"}.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL"), os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ERROR_INDENT = "\u00a0"  # AWS indents traceback lines of the error record with NO-BREAK SPACE

_request_id = None
_tenant_id = None


def _write_log(msg):
    """One log record → one stdout line (interior LFs become CR)."""
    if "\n" in msg[:-1]:
        msg = msg[:-1].replace("\n", "\r") + msg[-1]
    sys.stdout.write(msg)


class _LambdaLogHandler(logging.Handler):
    def emit(self, record):
        _write_log(self.format(record))


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        record.tenant_id = _tenant_id
        return True


_RESERVED_RECORD_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
}


_json_log_encoder = json.JSONEncoder(ensure_ascii=False)


class _JsonFormatter(logging.Formatter):
    """AWS's JSON log record (LoggingConfig.LogFormat = JSON)."""

    def __init__(self):
        super().__init__(datefmt=_TIMESTAMP_FORMAT)

    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED_RECORD_FIELDS and key not in result:
                result[key] = value
        return _json_log_encoder.encode({k: v for k, v in result.items() if v is not None}) + "\n"


def setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = _LambdaLogHandler()
    if _LOG_FORMAT_JSON:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    root = logging.getLogger()
    if _LOG_LEVEL in logging._nameToLevel:
        root.setLevel(_LOG_LEVEL)
    handler.addFilter(_RequestIdFilter())
    root.addHandler(handler)


def _indent(line):
    stripped = line.lstrip(" ")
    return _ERROR_INDENT * (len(line) - len(stripped)) + stripped


def log_error(body):
    """The ``[ERROR] Type: message`` record AWS writes for every reported error, as one line."""
    if _LOG_FORMAT_JSON:
        record = {"timestamp": time.strftime(_TIMESTAMP_FORMAT, time.gmtime()), "log_level": "ERROR"}
        record.update(body)
        sys.stdout.write(to_json(record) + "\n")
        return
    description = "[ERROR]"
    if body.get("errorType"):
        description += " " + body["errorType"]
    if body.get("errorMessage"):
        if body.get("errorType"):
            description += ":"
        description += " " + body["errorMessage"]
    lines = [description]
    stack = body.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            if element == "":
                lines.append("")
            else:
                lines.extend(_indent(line) for line in element.splitlines())
    sys.stdout.write("\r".join(lines) + "\n")


_UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare "
    "cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, "
    "runtime updates can be triggered by a function change, or can be applied automatically. To determine if the "
    "runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with a "
    "change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous "
    "runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


# ---------------------------------------------------------------------------
# Context
# ---------------------------------------------------------------------------

_FUNCTION_NAME = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
_FUNCTION_VERSION = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
_MEMORY_LIMIT_IN_MB = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a string, as on AWS
_LOG_GROUP_NAME = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
_LOG_STREAM_NAME = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")


def _from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client(object):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __repr__(self):
        return "Client([installation_id=%s,app_title=%s,app_version_name=%s,app_version_code=%s,app_package_name=%s])" % (
            self.installation_id,
            self.app_title,
            self.app_version_name,
            self.app_version_code,
            self.app_package_name,
        )


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


class LambdaContext(object):
    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn=None, tenant_id=None):
        self.aws_request_id = invoke_id
        self.log_group_name = _LOG_GROUP_NAME
        self.log_stream_name = _LOG_STREAM_NAME
        self.function_name = _FUNCTION_NAME
        self.memory_limit_in_mb = _MEMORY_LIMIT_IN_MB
        self.function_version = _FUNCTION_VERSION
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)
        # AWS: identity is always an object; its fields are None without a Cognito identity.
        self.identity = _from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,"
            "identity=%s,tenant_id=%s])"
            % (
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
                self.tenant_id,
            )
        )


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e)), None
        )


# ---------------------------------------------------------------------------
# Runtime API client: one keep-alive connection, reopened when it breaks
# ---------------------------------------------------------------------------

_NEXT_PATH = "/2018-06-01/runtime/invocation/next"
_INVOCATION_PATH = "/2018-06-01/runtime/invocation/"
_INIT_ERROR_PATH = "/2018-06-01/runtime/init/error"
_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


class RuntimeApi(object):
    def __init__(self, address):
        self.address = address
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """(response, body bytes). A broken connection is reopened and the request retried once."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.address)
            try:
                self.conn.request(method, path, body, headers or {})
                response = self.conn.getresponse()
                return response, response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def next(self):
        response, body = self.request("GET", _NEXT_PATH)
        if response.status != 200:
            raise RuntimeError("next invocation failed with HTTP %d: %r" % (response.status, body))
        return response.headers, body

    def post_response(self, request_id, body, content_type):
        self.request("POST", _INVOCATION_PATH + quote(request_id, safe="") + "/response", body, {"Content-Type": content_type})

    def post_error(self, path, body):
        error_type = body["errorType"]
        if not error_type.isascii() or not error_type.isprintable():
            error_type = error_type.encode("ascii", "backslashreplace").decode("ascii").replace("\r", "").replace("\n", "")
        headers = {"Content-Type": "application/json", _ERROR_TYPE_HEADER: error_type}
        self.request("POST", path, to_json(body).encode("utf-8"), headers)

    def post_invocation_error(self, request_id, body):
        self.post_error(_INVOCATION_PATH + quote(request_id, safe="") + "/error", body)


# ---------------------------------------------------------------------------
# Handler loading and invocation
# ---------------------------------------------------------------------------


def load_handler(handler):
    """AWS's resolution of ``module.function`` (module may use ``/`` or ``.``), with its error texts."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e))
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR, "Syntax error in module '{}': {}".format(modname, str(e)), trace
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname), None
        )


def handle_invocation(api, request_handler, headers, body):
    global _request_id, _tenant_id
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    _request_id = request_id
    _tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")
    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    elif "_X_AMZN_TRACE_ID" in os.environ:
        del os.environ["_X_AMZN_TRACE_ID"]

    error = None
    try:
        client_context = headers.get("Lambda-Runtime-Client-Context")
        cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        context = LambdaContext(
            request_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            int(headers.get("Lambda-Runtime-Deadline-Ms") or 0),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            _tenant_id,
        )
        event = unmarshal_request(body, headers.get("Content-Type"))
        result, content_type = marshal_response(request_handler(event, context))
    except FaultException as e:
        error = error_body(e.msg, e.exception_type, e.trace, request_id)
    except Exception as e:
        error = exception_body(e, request_id)

    if error is not None:
        log_error(error)
        api.post_invocation_error(request_id, error)
    else:
        api.post_response(request_id, result, content_type)


def main():
    sys.stdout = _unbuffered(sys.stdout)
    sys.stderr = _unbuffered(sys.stderr)
    api = RuntimeApi(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))

    error = None
    try:
        setup_logging()
        request_handler = load_handler(os.environ.get("_HANDLER", ""))
    except FaultException as e:
        error = error_body(e.msg, e.exception_type, e.trace)
    except Exception as e:
        error = exception_body(e)
    if error is not None:
        logging.warning(_UNHANDLED_EXCEPTION_WARNING)
        log_error(error)
        api.post_error(_INIT_ERROR_PATH, error)
        sys.exit(1)

    while True:
        headers, body = api.next()
        handle_invocation(api, request_handler, headers, body)


if __name__ == "__main__":
    main()
