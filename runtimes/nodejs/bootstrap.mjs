/**
 * Kumo's Node.js runtime interface client (nodejs20.x).
 *
 * Runs inside every Node.js execution environment as
 * `/usr/bin/node /var/runtime/nodejs/bootstrap.mjs`, loads the function's
 * handler once, then loops over the Runtime API (2018-06-01):
 *
 *   1. GET  /runtime/invocation/next            (long poll; one event)
 *   2. call the handler with (event, context, callback)
 *   3. POST /runtime/invocation/{id}/response   or  /{id}/error
 *      (a handler wrapped in awslambda.streamifyResponse: one chunked POST
 *      written as the handler writes, errors after its first byte in trailers)
 *   4. back to 1 (the process, its module state and /tmp stay warm)
 *
 * Init failures go to POST /runtime/init/error and the process exits non-zero.
 *
 * Everything observable from the function's side reproduces AWS's managed
 * nodejs20.x runtime: handler resolution order and init error types/messages,
 * the context object, callback / async / context.succeed semantics including
 * callbackWaitsForEmptyEventLoop (implemented, as AWS does, with the process
 * 'beforeExit' event: it fires exactly when the event loop has drained),
 * console log line format, error shapes and exit codes (129 uncaught exception,
 * 128 unhandled rejection). The AWS behaviour each part reproduces is named
 * beside it. No dependencies: Node.js built-ins only.
 *
 * Logs go to stdout, one line per console call: the platform splits stdout on
 * LF, so newlines inside one message become CR (what AWS's runtime does when it
 * logs to stdout rather than to its telemetry pipe).
 */
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import util from 'node:util';
// A pre-initialised EE waits here for its function's environment and code (Kumo's, see prewarm.mjs).
import './prewarm.mjs';

const env = process.env;
const TASK_ROOT = env.LAMBDA_TASK_ROOT || '/var/task';
const RUNTIME_DIR = env.LAMBDA_RUNTIME_DIR || '/var/runtime';

// ---------------------------------------------------------------------------
// Errors (AWS: errorType is the class name prefixed with "Runtime.")
// ---------------------------------------------------------------------------

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class MalformedStreamingHandler extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
for (const c of [ImportModuleError, HandlerNotFound, MalformedHandlerName, UserCodeSyntaxError, MalformedStreamingHandler, NodeJsExit, UnhandledPromiseRejection]) {
  c.prototype.name = `Runtime.${c.name}`;
}

function looksLikeError(v) {
  return Boolean(v) && typeof v.name === 'string' && typeof v.message === 'string' && typeof v.stack === 'string' && v.name !== '' && v.message !== '' && v.stack !== '';
}

/** DEL is not allowed in what the Runtime API receives; AWS escapes it as %7F. */
const escapeDel = (s) => (typeof s === 'string' && s.includes('\x7F') ? s.replaceAll('\x7F', '%7F') : s);

/**
 * The body posted to /error and /init/error. AWS: Errors keep name/message/stack
 * (stack split on LF as `trace`); anything else thrown reports `typeof` as the
 * type and `toString()` as the message with an empty trace.
 */
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: escapeDel(error.name),
        errorMessage: escapeDel(error.message),
        trace: escapeDel(error.stack).split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

const intoError = (err) => (err instanceof Error ? err : new Error(err));

/** Error → plain object with its non-enumerable name/message/stack, for the text error log line. */
function enumerableError(v) {
  if (!(v instanceof Error)) return v;
  const out = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
  if (typeof v.stack === 'string') out.stack = v.stack.split('\n');
  return out;
}

/** AWS prefixes the JSON of a logged error with a tab (kept for log-parser compatibility). */
function formattedError(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => enumerableError(v));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ---------------------------------------------------------------------------
// Logging: console.* → one stdout line per call
// ---------------------------------------------------------------------------

const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID = Symbol.for('aws.lambda.runtime.tenantId');
const LOG_FORMAT_JSON = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
/** AWS_LAMBDA_LOG_LEVEL (the function's LoggingConfig.ApplicationLogLevel); unset → everything. */
const LEVEL_PRIORITY = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const LOG_LEVEL_MIN = LEVEL_PRIORITY[env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? 1;

const stdoutLine = (line) => process.stdout.write((line.includes('\n') ? line.replace(/\n/g, '\r') : line) + '\n');

function logText(level, message, params) {
  stdoutLine(`${new Date().toISOString()}\t${globalThis[REQUEST_ID]}\t${level}\t${util.format(message, ...params)}`);
}

/** AWS's JSON log shape: an Error logged alone becomes {errorType, errorMessage, stackTrace, ...its own fields}. */
function jsonErrorReplacer(_k, v) {
  if (!(v instanceof Error)) return v;
  return Object.assign(
    {
      errorType: v?.constructor?.name ?? 'UnknownError',
      errorMessage: v.message,
      stackTrace: typeof v.stack === 'string' ? v.stack.split('\n') : v.stack,
    },
    v,
  );
}

function logJson(level, message, params) {
  const rec = { timestamp: new Date().toISOString(), level, requestId: globalThis[REQUEST_ID] };
  const tenantId = globalThis[TENANT_ID];
  if (tenantId !== undefined && tenantId !== null) rec.tenantId = tenantId;
  let text;
  if (params.length === 0) {
    rec.message = message;
    try {
      text = JSON.stringify(rec, jsonErrorReplacer);
    } catch {
      rec.message = util.format(message);
      text = JSON.stringify(rec);
    }
  } else {
    rec.message = util.format(message, ...params);
    const all = [message, ...params];
    const err = all.find((p) => p instanceof Error);
    if (err) {
      rec.errorType = err?.constructor?.name ?? 'UnknownError';
      rec.errorMessage = err.message;
      rec.stackTrace = typeof err.stack === 'string' ? err.stack.split('\n') : [];
    }
    text = JSON.stringify(rec);
  }
  stdoutLine(text);
}

function patchConsole() {
  const log = LOG_FORMAT_JSON ? logJson : logText;
  const noop = () => {};
  const levelFn = (level) =>
    LEVEL_PRIORITY[level] >= LOG_LEVEL_MIN ? (message, ...params) => log(level, message, params) : noop;
  console.trace = levelFn('TRACE');
  console.debug = levelFn('DEBUG');
  console.info = levelFn('INFO');
  console.log = console.info;
  console.warn = levelFn('WARN');
  console.error = levelFn('ERROR');
  console.fatal = (message, ...params) => log('FATAL', message, params);
}

/** The runtime's own error lines ("Invoke Error", "Uncaught Exception", ...) go through console.error, as AWS's do. */
function logError(label, err) {
  if (LOG_FORMAT_JSON) console.error(intoError(err));
  else console.error(label, formattedError(intoError(err)));
}

// ---------------------------------------------------------------------------
// Runtime API client: one keep-alive connection
// ---------------------------------------------------------------------------

const API = env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
const API_COLON = API.lastIndexOf(':');
const API_HOST = API.slice(0, API_COLON).replace(/^\[(.*)\]$/, '$1');
const API_PORT = Number(API.slice(API_COLON + 1));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const NEXT_PATH = '/2018-06-01/runtime/invocation/next';
const INVOCATION_PATH = '/2018-06-01/runtime/invocation/';
const INIT_ERROR_PATH = '/2018-06-01/runtime/init/error';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const GET_OPTIONS = { host: API_HOST, port: API_PORT, method: 'GET', path: NEXT_PATH, agent };

/**
 * One request on the shared connection; `done(err, res, body)`. A request that
 * fails on a reused keep-alive socket the server had already closed is retried
 * once on a fresh one.
 */
function call(options, body, done, retried = false) {
  const req = http.request(options);
  req.on('response', (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => done(null, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    res.on('error', (err) => done(err));
  });
  req.on('error', (err) => {
    if (!retried && req.reusedSocket && err.code === 'ECONNRESET') call(options, body, done, true);
    else done(err);
  });
  req.end(body);
}

function post(pathname, body, headers, done) {
  headers['Content-Type'] = 'application/json';
  headers['Content-Length'] = Buffer.byteLength(body);
  const options = { host: API_HOST, port: API_PORT, method: 'POST', path: pathname, headers, agent };
  afterOutput(() => call(options, body, (err) => (err ? runtimeApiFailed(err) : done())));
}

/**
 * Runs `fn` once what the function wrote to stdout/stderr has reached the
 * pipe: a full pipe leaves writes queued inside the process, and a result
 * posted before them would put the function's last lines after END in the
 * log (AWS's runtime writes its log lines synchronously, so they never
 * trail). Nothing queued, nothing to wait for.
 */
function afterOutput(fn) {
  const queued = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (!queued.length) return fn();
  let left = queued.length;
  for (const s of queued) s.write('', () => --left === 0 && fn());
}

/** The Runtime API is gone (the EE is being torn down, or a bug): nothing sensible is left to do. */
function runtimeApiFailed(err) {
  console.log(`Unexpected Top Level Error: ${err.toString()}`);
  process.exit(129);
}

/** AWS: `undefined` is sent as `null`; a value JSON cannot represent fails the invocation with this error. */
function serializeResponse(result) {
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new Error('Unable to stringify response body');
  }
  // A function or symbol stringifies to undefined, which AWS's native client rejects this way.
  if (body === undefined) throw new TypeError('Wrong arguments');
  return body;
}

/** Header values must be visible ASCII/latin-1; an odd error name must not crash the runtime. */
const headerSafe = (s) => (/^[\t\x20-\x7e\x80-\xff]*$/.test(s) ? s : String(s).replace(/[^\t\x20-\x7e\x80-\xff]/g, ''));

function postError(pathname, error, done) {
  const payload = toRapidResponse(error);
  post(pathname, JSON.stringify(payload), { [ERROR_TYPE_HEADER]: headerSafe(String(payload.errorType)) }, done);
}

// ---------------------------------------------------------------------------
// Loading the handler (AWS UserFunction semantics)
// ---------------------------------------------------------------------------

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

/** `require` whose parent is AWS's runtime entry file, so "Require stack:" reads exactly as on AWS. */
const runtimeRequire = createRequire(path.join(RUNTIME_DIR, 'index.mjs'));

/** package.json "type": "module" of the nearest package.json, stopping at node_modules. */
function folderIsModuleType(folder) {
  for (;;) {
    if (folder.endsWith('/node_modules')) return false;
    const pj = path.join(folder, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(pj));
        if (pkg) return pkg.type === 'module';
      } catch (e) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
        return false;
      }
    }
    if (folder === '/') return false;
    folder = path.resolve(folder, '..');
  }
}

const tryRequire = (file) => (fs.existsSync(file) ? runtimeRequire(file) : undefined);
const tryImport = async (file) => (fs.existsSync(file) ? import(pathToFileURL(file).href) : undefined);

/**
 * AWS's order: the extensionless path (require), `.js` via require unless the
 * nearest package.json says "type": "module", then `.js` (ESM), `.mjs`, `.cjs`,
 * and last a Node-style resolution of the bare name from the task root.
 */
async function loadModule(moduleRoot, moduleName) {
  const file = path.resolve(TASK_ROOT, moduleRoot, moduleName);
  const extensionless = tryRequire(file);
  if (extensionless) return extensionless;
  const isModuleType = fs.existsSync(file + '.js') && folderIsModuleType(path.dirname(file + '.js'));
  if (!isModuleType) {
    const js = tryRequire(file + '.js');
    if (js) return js;
  }
  const loaded = (isModuleType && (await tryImport(file + '.js'))) || (await tryImport(file + '.mjs')) || tryRequire(file + '.cjs');
  if (loaded) return loaded;
  return runtimeRequire(runtimeRequire.resolve(moduleName, { paths: [TASK_ROOT, moduleRoot] }));
}

async function loadHandler(fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const base = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(base));
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = match;

  if (env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== '1' && env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== 'true') {
    globalThis.awslambda = { streamifyResponse, HttpResponseStream };
  }

  let app;
  try {
    app = await loadModule(moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e !== null && typeof e === 'object' && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e;
  }
  const fn = handlerPath.split('.').reduce((o, key) => o && o[key], app);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

// ---------------------------------------------------------------------------
// Response streaming (awslambda.streamifyResponse): what the handler writes
// goes to the Runtime API as it is written, one chunked POST
// (Lambda-Runtime-Function-Response-Mode: streaming), opened at the first
// write so that setContentType still counts before it; an error after that
// goes in the trailers (Lambda-Runtime-Function-Error-Type / -Body, the body
// base64 of AWS's error document), as AWS's runtime reports it.
// ---------------------------------------------------------------------------

function streamifyResponse(handler, options) {
  handler[HANDLER_STREAMING] = STREAM_RESPONSE;
  if (typeof options?.highWaterMark === 'number') handler[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark);
  return handler;
}

const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
/** AWS's runtime ends the JSON prelude of an HTTP integration response with 8 NUL bytes. */
const PRELUDE_DELIMITER_BYTES = 8;
class HttpResponseStream {
  /** Prefixes the stream with the JSON prelude and 8 NUL bytes (AWS's http-integration-response format). */
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(PRELUDE_DELIMITER_BYTES));
    };
    return underlyingStream;
  }
}

const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body';

/**
 * The response stream a streaming handler writes to. `fail(err)` ends the
 * POST with the error in its trailers (or returns false if nothing was sent
 * yet, so the caller posts /error instead); `responded` resolves once the
 * Runtime API has answered the POST (it does when it has read the whole body).
 */
function createResponseStream(idPath, highWaterMark) {
  let req;
  let started = false;
  let ended = false;
  let respondedResolve;
  const responded = new Promise((r) => (respondedResolve = r));
  const open = () => {
    if (req) return;
    const headers = {
      'Content-Type': stream.contentType,
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Transfer-Encoding': 'chunked',
      Trailer: `${ERROR_TYPE_HEADER}, ${ERROR_BODY_TRAILER}`,
    };
    req = http.request({ host: API_HOST, port: API_PORT, method: 'POST', path: idPath + '/response', headers, agent });
    req.on('response', (res) => {
      res.resume();
      res.on('end', respondedResolve);
    });
    req.on('error', runtimeApiFailed);
  };
  const endRequest = (trailers) => {
    if (ended) return;
    ended = true;
    open();
    if (trailers) req.addTrailers(trailers);
    req.end();
  };
  const stream = new Writable({
    highWaterMark,
    write(chunk, encoding, cb) {
      open();
      // The Runtime API reads as fast as the caller does: wait for it before taking more.
      if (req.write(chunk, encoding)) cb();
      else req.once('drain', () => cb());
    },
    final(cb) {
      endRequest();
      cb();
    },
  });
  stream.contentType = 'application/octet-stream';
  stream.setContentType = (ct) => {
    if (started) throw new Error('Cannot set content-type, too late.');
    stream.contentType = ct;
  };
  const beforeFirstWrite = () => {
    if (started) return;
    started = true;
    if (typeof stream._onBeforeFirstWrite === 'function') stream._onBeforeFirstWrite((c) => write(c));
  };
  const write = stream.write.bind(stream);
  stream.write = (chunk, encoding, cb) => {
    beforeFirstWrite();
    return write(chunk, encoding, cb);
  };
  const end = stream.end.bind(stream);
  stream.end = (chunk, encoding, cb) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') stream.write(chunk, encoding);
    else beforeFirstWrite();
    return end(typeof chunk === 'function' ? chunk : cb);
  };
  return {
    stream,
    responded,
    /** Whether the POST has begun (a byte, or the end, was written). */
    get sent() {
      return req !== undefined;
    },
    get ended() {
      return ended;
    },
    /** Ends the POST with the error in its trailers. */
    fail(err) {
      const payload = toRapidResponse(err);
      endRequest({
        [ERROR_TYPE_HEADER]: headerSafe(String(payload.errorType)),
        [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(payload)).toString('base64'),
      });
    },
    /** Ends the POST as it is (the function left the stream open and nothing can write to it any more). */
    finish() {
      endRequest();
    },
  };
}

// ---------------------------------------------------------------------------
// The invoke loop
// ---------------------------------------------------------------------------

/** What process-level failures do: before the first invoke they are init errors, afterwards errors of the current invoke. */
const errorCallbacks = {
  uncaughtException: (error) => postError(INIT_ERROR_PATH, error, () => process.exit(129)),
  unhandledRejection: (error) => postError(INIT_ERROR_PATH, error, () => process.exit(128)),
};

/** Runs when the event loop has drained (AWS: how callbackWaitsForEmptyEventLoop is implemented). */
let beforeExit = () => {};
const resetBeforeExit = () => {
  beforeExit = () => {};
};

// Read once: AWS sets these per EE and they do not change between invokes.
const FUNCTION_NAME = env.AWS_LAMBDA_FUNCTION_NAME;
const FUNCTION_VERSION = env.AWS_LAMBDA_FUNCTION_VERSION;
const MEMORY_LIMIT_MB = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
const LOG_GROUP_NAME = env.AWS_LAMBDA_LOG_GROUP_NAME;
const LOG_STREAM_NAME = env.AWS_LAMBDA_LOG_STREAM_NAME;

let handler;
let handlerIsAsync = false;
let handlerStreaming = false;
let handlerHighWaterMark;

const scheduleNext = () => setImmediate(nextInvocation);

function nextInvocation() {
  call(GET_OPTIONS, undefined, onNext);
}

function onNext(err, res, body) {
  if (err) return runtimeApiFailed(err);
  if (res.statusCode !== 200) {
    return runtimeApiFailed(new Error(`next invocation failed with HTTP ${res.statusCode}: ${body.toString()}`));
  }
  const h = res.headers;
  const id = h['lambda-runtime-aws-request-id'];
  if (!id) return runtimeApiFailed(new Error('invocation id is missing or invalid'));
  globalThis[REQUEST_ID] = id;
  globalThis[TENANT_ID] = h['lambda-runtime-aws-tenant-id'];
  const idPath = INVOCATION_PATH + encodeURIComponent(id);
  errorCallbacks.uncaughtException = (error) => postError(idPath + '/error', error, () => process.exit(129));
  errorCallbacks.unhandledRejection = (error) => postError(idPath + '/error', error, () => process.exit(128));
  if (handlerStreaming) invokeStreaming(h, id, idPath, body);
  else invoke(h, id, idPath, body);
}

/** X-Ray: the trace header of this invoke becomes _X_AMZN_TRACE_ID, or is removed when absent. */
function forwardTrace(h) {
  const trace = h['lambda-runtime-trace-id'];
  if (trace) env._X_AMZN_TRACE_ID = trace;
  else delete env._X_AMZN_TRACE_ID;
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

/** The context fields that come from the environment and the invoke headers, in AWS's key order. */
function attachInvokeData(ctx, h, id) {
  const deadlineMs = Number(h['lambda-runtime-deadline-ms']);
  ctx.functionVersion = FUNCTION_VERSION;
  ctx.functionName = FUNCTION_NAME;
  ctx.memoryLimitInMB = MEMORY_LIMIT_MB;
  ctx.logGroupName = LOG_GROUP_NAME;
  ctx.logStreamName = LOG_STREAM_NAME;
  ctx.clientContext = parseJsonHeader(h['lambda-runtime-client-context'], 'ClientContext');
  ctx.identity = parseJsonHeader(h['lambda-runtime-cognito-identity'], 'CognitoIdentity');
  ctx.invokedFunctionArn = h['lambda-runtime-invoked-function-arn'];
  ctx.awsRequestId = id;
  ctx.tenantId = h['lambda-runtime-aws-tenant-id'];
  ctx.getRemainingTimeInMillis = function getRemainingTimeInMillis() {
    return deadlineMs - Date.now();
  };
  return ctx;
}

/**
 * One non-streaming invocation. Completion rules (AWS CallbackContext):
 * - only the first of callback/succeed/fail/done counts;
 * - callback(null, r) with callbackWaitsForEmptyEventLoop (default) responds
 *   when the event loop drains, otherwise at once; done/succeed/fail at once;
 * - an async handler's promise settles into succeed/fail;
 * - if the loop drains with nothing reported: an `async function` handler
 *   fails with Runtime.NodeJsExit, any other handler responds null.
 */
function invoke(h, id, idPath, body) {
  let waitsForEmptyEventLoop = true;
  let completed = false;
  let finished = false;

  const reportError = (err) => {
    logError('Invoke Error', err);
    postError(idPath + '/error', err, scheduleNext);
  };
  const complete = (result) => {
    if (completed) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    completed = true;
    post(idPath + '/response', serializeResponse(result), {}, scheduleNext);
  };
  const rawCallback = (err, result) => {
    resetBeforeExit();
    if (err !== undefined && err !== null) reportError(err);
    else if (!waitsForEmptyEventLoop) complete(result);
    else beforeExit = () => setImmediate(() => complete(result));
  };
  const rawDone = (err, result) => {
    resetBeforeExit();
    if (err !== undefined && err !== null) reportError(err);
    else complete(result);
  };
  // Only the first call of any of these counts. (A call that throws — e.g. an
  // unserialisable result — does not count, so a later failure still reports.)
  const firstOnly = (fn) =>
    function () {
      if (!finished) {
        fn.apply(null, arguments);
        finished = true;
      }
    };
  const callback = firstOnly(rawCallback);
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitsForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitsForEmptyEventLoop = value;
    },
    succeed: firstOnly((result) => rawDone(null, result)),
    fail: firstOnly((err) => (err === undefined || err === null ? rawDone('handled') : rawDone(err, null))),
    done: firstOnly(rawDone),
  };

  beforeExit = () => {
    completed = true;
    if (handlerIsAsync) {
      const err = new NodeJsExit();
      logError('Invoke Error', err);
      postError(idPath + '/error', err, scheduleNext);
    } else {
      post(idPath + '/response', 'null', {}, scheduleNext);
    }
  };

  try {
    const event = JSON.parse(body.toString('utf8'));
    forwardTrace(h);
    const result = handler(event, attachInvokeData(context, h, id), callback);
    if (result && typeof result.then === 'function') {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (err) {
    callback(err);
  }
}

/**
 * A handler wrapped with awslambda.streamifyResponse: (event, responseStream, context).
 * The invocation is over once the handler's promise has settled and the
 * stream's POST has been answered; a handler may return before it ends the
 * stream (a pipeline it did not await): the stream's end is awaited. An error
 * before any byte is posted to /error; after one, in the stream's trailers.
 */
function invokeStreaming(h, id, idPath, body) {
  let waitsForEmptyEventLoop = true;
  const rs = createResponseStream(idPath, handlerHighWaterMark);
  const next = () => {
    resetBeforeExit();
    if (!waitsForEmptyEventLoop) scheduleNext();
    else beforeExit = () => setImmediate(scheduleNext);
  };
  let reported = false;
  const fail = (err) => {
    if (reported) return;
    reported = true;
    logError('Invoke Error', err);
    if (!rs.sent) return postError(idPath + '/error', err, next);
    if (rs.ended) return rs.responded.then(next); // the stream was complete: the error comes too late to tell
    rs.fail(err);
    rs.responded.then(next);
  };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitsForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitsForEmptyEventLoop = value;
    },
  };
  // The loop drained with the stream still open: nothing can end it any more, so it ends as it is.
  beforeExit = () => {
    if (!reported) {
      reported = true;
      rs.finish();
      rs.responded.then(next);
    }
  };
  (async () => {
    const event = JSON.parse(body.toString('utf8'));
    forwardTrace(h);
    const result = handler(event, rs.stream, attachInvokeData(context, h, id));
    if (!result || typeof result.then !== 'function') return fail('Streaming does not support non-async handlers.');
    if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
    await rs.responded;
    if (reported) return;
    reported = true;
    next();
  })().catch(fail);
}

// ---------------------------------------------------------------------------
// Init
// ---------------------------------------------------------------------------

patchConsole();

process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  errorCallbacks.uncaughtException(error);
});
process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', error);
  errorCallbacks.unhandledRejection(error);
});
process.on('beforeExit', () => beforeExit());

try {
  handler = await loadHandler(env._HANDLER ?? '');
  handlerIsAsync = handler.constructor?.name === 'AsyncFunction';
  const streaming = handler[HANDLER_STREAMING];
  if (streaming !== undefined && streaming !== null && streaming !== false) {
    if (streaming !== STREAM_RESPONSE) throw new MalformedStreamingHandler('Only response streaming is supported.');
    handlerStreaming = true;
    const hwm = parseInt(handler[HANDLER_HIGHWATERMARK]);
    handlerHighWaterMark = Number.isNaN(hwm) ? undefined : hwm;
  }
} catch (err) {
  // AWS reports a failed load as an uncaught exception of the init phase.
  logError('Uncaught Exception', err);
  errorCallbacks.uncaughtException(err);
}

if (handler !== undefined) {
  // AWS (2025): callback-style handlers are deprecated from Node.js 24 on; the runtime warns once at init.
  if (env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined && handler.length === 3 && !handlerIsAsync && !handlerStreaming) {
    console.warn(
      'AWS Lambda plans to remove support for callback-based function handlers starting with Node.js 24. You will need to update this function to use an async handler to use Node.js 24 or later. For more information and to provide feedback on this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.',
    );
  }
  scheduleNext();
}
