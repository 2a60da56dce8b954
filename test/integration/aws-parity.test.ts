import { after, before, describe, it } from 'node:test';
import { loadFixtures, replay } from './parity-replay';
import { startServer, type RunningServer } from './harness';

/**
 * API parity with real AWS: every fixture in test/fixtures/aws-parity/ is a
 * scenario recorded against AWS (LocalStack's snapshot files, cited in each
 * fixture by file and key) replayed against the real server; see
 * parity-replay.ts for how answers are compared.
 */
describe('AWS parity: recorded AWS responses replayed against Kumo', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s.stop();
  });

  for (const { file, fixture } of loadFixtures()) {
    it(`${file}: ${fixture.source.key.split('::').slice(1).join('::')}`, async () => {
      await replay(fixture, file.replace(/\.json$/, '').slice(0, 40), s.endpoint);
    });
  }
});
