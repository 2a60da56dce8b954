import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { kumo, noStackTrace, ok, tmpDir, withServer, writeTree } from './helpers';

/**
 * SAM's `<Fn>Version<hash>` (the AWS::Lambda::Version AutoPublishAlias
 * publishes), `!Ref Fn.Version` and `!Ref Fn.Alias`. The ids below are the
 * ones aws-sam-translator 1.110 gives this very template (run by hand with
 * the pyenv Python's samtranslator `transform`: `FnVersion9ce1be9b5b`,
 * `PlainVersion381127f6d4`, `PinnedVersion0123456789`): SHA-1 of the
 * inline code, the Environment as written (a `!Ref` kept unresolved) and
 * the Globals' MemorySize, non-ASCII escaped as Python's json does; or the
 * first 10 characters of AutoPublishCodeSha256.
 */
const template = (outputs: string) => `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String, Default: hi}
Globals:
  Function:
    MemorySize: 256
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 'héllo';"
      Handler: index.handler
      Runtime: nodejs20.x
      AutoPublishAlias: live
      Environment:
        Variables:
          GREETING: !Ref Greeting
          BB: "2"
          AA: 1
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "x"
      Handler: index.handler
      Runtime: nodejs20.x
      AutoPublishAlias: live
  Pinned:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "x"
      Handler: index.handler
      Runtime: nodejs20.x
      AutoPublishAlias: live
      AutoPublishCodeSha256: 0123456789abcdef
  Packaged:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: nodejs20.x
      AutoPublishAlias: live
Outputs:
${outputs}`;

const outputs = (packagedId: string) => `  FnVersion:
    Value: !Ref FnVersion9ce1be9b5b
  FnVersionNumber:
    Value: !GetAtt FnVersion9ce1be9b5b.Version
  FnDotVersion:
    Value: !Ref Fn.Version
  FnDotAlias:
    Value: !Ref Fn.Alias
  FnAlias:
    Value: !Ref FnAliaslive
  PlainVersion:
    Value: !Sub "\${PlainVersion381127f6d4}"
  PinnedVersion:
    Value: !Ref PinnedVersion0123456789
  PackagedVersion:
    Value: !Ref ${packagedId}
`;

const output = (stdout: string, name: string) => {
  const m = new RegExp(`\\b${name} = (\\S+)`).exec(stdout);
  assert.ok(m, `output ${name} in:\n${stdout}`);
  return m[1]!;
};

describe('kumo deploy: <Fn>Version<hash>, Fn.Version and Fn.Alias as SAM names them', () => {
  let env: Record<string, string>;
  withServer((_s, e) => {
    env = e;
  });

  it('resolves the version ids aws-sam-translator gives, refuses a stale hash naming the right id, and follows the code', async () => {
    const dir = path.join(tmpDir('versions'), 'vapp');
    const arn = (fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:vapp-${fn}`;
    // A packaged function's hash follows Kumo's zip: a wrong one is refused with the id to use.
    writeTree(dir, { 'template.yaml': template(outputs('PackagedVersion0000000000')), 'src/app.js': 'exports.handler = async () => 1;\n' });
    const stale = await kumo(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.notEqual(stale.code, 0, stale.stdout);
    const all = stale.stdout + stale.stderr;
    const m = /PackagedVersion0000000000 is not the version SAM makes for Packaged: that is (PackagedVersion[0-9a-f]{10})/.exec(all);
    assert.ok(m, all);
    assert.match(all, /template\.yaml:\d+:\d+/);
    assert.ok(noStackTrace(all));
    assert.doesNotMatch(all, /uploading|created/, 'a template error in an output stops the deploy before anything changes');

    writeTree(dir, { 'template.yaml': template(outputs(m[1]!)) });
    const r = await ok(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.equal(output(r.stdout, 'FnVersion'), `${arn('Fn')}:1`);
    assert.equal(output(r.stdout, 'FnVersionNumber'), '1');
    assert.equal(output(r.stdout, 'FnDotVersion'), `${arn('Fn')}:1`);
    assert.equal(output(r.stdout, 'FnDotAlias'), `${arn('Fn')}:live`);
    assert.equal(output(r.stdout, 'FnAlias'), `${arn('Fn')}:live`);
    assert.equal(output(r.stdout, 'PlainVersion'), `${arn('Plain')}:1`);
    assert.equal(output(r.stdout, 'PinnedVersion'), `${arn('Pinned')}:1`);
    assert.equal(output(r.stdout, 'PackagedVersion'), `${arn('Packaged')}:1`);

    // New code is a new hash (SAM: a new version resource); the old id is then refused, naming the new one.
    writeTree(dir, { 'src/app.js': 'exports.handler = async () => 2;\n' });
    const moved = await kumo(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.notEqual(moved.code, 0);
    const m2 = /is not the version SAM makes for Packaged: that is (PackagedVersion[0-9a-f]{10})/.exec(moved.stdout + moved.stderr);
    assert.ok(m2, moved.stdout + moved.stderr);
    assert.notEqual(m2[1], m[1]);

    // An Environment change is a new hash for Fn as at AWS: the translator's id for the old one no longer names it.
    writeTree(dir, { 'template.yaml': template(outputs(m2[1]!)).replace('BB: "2"', 'BB: "3"') });
    const envChanged = await kumo(['deploy'], { env, cwd: dir, timeoutMs: 120_000 });
    assert.notEqual(envChanged.code, 0);
    assert.match(envChanged.stdout + envChanged.stderr, /FnVersion9ce1be9b5b is not the version SAM makes for Fn: that is FnVersion7163db4d12/);
  });
});
