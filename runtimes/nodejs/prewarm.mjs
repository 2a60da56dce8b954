/**
 * Pre-initialised execution environments (Kumo, not AWS: issue 13, item 5).
 *
 * Kumo may start a Node.js EE before any function needs it: its container,
 * network, /tmp and this process are up, /var/task and /opt are still empty,
 * and the environment holds only what every function of this runtime shares
 * (PATH, TZ, NODE_PATH, AWS_LAMBDA_RUNTIME_API…) plus `_KUMO_PREWARMED=1`.
 * bootstrap.mjs imports this module first; its top-level await holds the
 * bootstrap's own start until a cold start binds a function to the EE. Then
 * Kumo's Runtime API (an EE-only, Kumo-internal route) answers with the
 * function's environment, by which time its code is mounted read-only at
 * /var/task (and its layers at /opt). The process environment becomes exactly
 * that one plus whatever the process's own start added (so the handler sees
 * what an EE started for it would show), the
 * working directory is entered again (the mount now covers it), and the
 * bootstrap carries on as in any EE: it reads _HANDLER and the rest, loads
 * the handler, asks for the first invocation. An EE is bound once, to one
 * function version, and never reused for another.
 *
 * Nothing here runs in an EE started the ordinary way.
 */
import http from 'node:http';

/** Kumo's internal Runtime API route for a pre-initialised EE's configuration. */
const CONFIGURATION_PATH = '/2018-06-01/kumo/execution-environment/configuration';

if (process.env._KUMO_PREWARMED === '1') {
  const api = process.env.AWS_LAMBDA_RUNTIME_API ?? '';
  const colon = api.lastIndexOf(':');
  let config;
  try {
    config = await new Promise((resolve, reject) => {
      const req = http.get({ host: api.slice(0, colon), port: Number(api.slice(colon + 1)), path: CONFIGURATION_PATH, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  } catch (e) {
    // The platform gave up on this EE (it is being destroyed): nothing to run.
    process.stderr.write(`kumo: the pre-initialised EE got no configuration: ${e?.message ?? e}\n`);
    process.exit(1);
  }
  const env = config.env ?? {};
  // What the platform started the process with goes; what the process's own start added (none for Node.js) stays.
  const platformSet = new Set(config.startedWith ?? Object.keys(process.env));
  for (const k of Object.keys(process.env)) if (!Object.hasOwn(env, k) && platformSet.has(k)) delete process.env[k];
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  process.chdir(config.cwd ?? '/var/task');
}
