import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GetAliasCommand, GetFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { decode, makeZip, startServer, type RunningServer } from '../integration/harness';
import { kumo, noStackTrace, ok, tmpDir, userEnv, writeTree, withServer } from './helpers';

const echoFn = (tag: string) => `exports.handler = async (event) => ({ tag: ${JSON.stringify(tag)}, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^[A-Z_]+$/.test(k) && !k.startsWith('AWS') && !k.startsWith('LAMBDA') && !['PATH', 'LANG', 'TZ', 'LD_LIBRARY_PATH', 'NODE_PATH', 'HOME', 'PWD', 'SHLVL', '_HANDLER', '_X_AMZN_TRACE_ID'].includes(k))), opt: (() => { try { return require('fs').readFileSync('/opt/greeting.txt', 'utf8'); } catch { return null; } })() });\n`;

/** Shaped like AWS's SAM "hello world" quick-start template (written anew): Globals, a Parameter, an Api event, Outputs with !Sub. */
const helloTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  sam-app: a sample SAM template for a hello world function

Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Memory:
    Type: Number
    Default: 128
    MinValue: 128

Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [Condition: IsProd]
  Big: !And [Condition: IsProd, !Equals [!Ref Memory, 512]]
  Either: !Or [Condition: IsProd, Condition: IsDev]

Globals:
  Function:
    Timeout: 3
    Runtime: nodejs20.x
    Environment:
      Variables:
        STAGE: !Ref Stage

Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello-world/
      Handler: app.handler
      MemorySize: !Ref Memory
      Architectures:
        - x86_64
      Environment:
        Variables:
          TABLE: !Sub '\${AWS::StackName}-table-\${Stage}'
          MODE: !If [IsProd, production, development]
          BIG: !If [Big, 'yes', 'no']
          EITHER: !If [Either, 'yes', 'no']
          JOINED: !Join ['-', [a, !Ref Stage, !Select [1, [x, y, z]]]]
          REGION: !Ref AWS::Region
          SELF: !If [IsDev, !GetAtt DebugFunction.Arn, !Ref AWS::NoValue]
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get

  DebugFunction:
    Type: AWS::Serverless::Function
    Condition: IsDev
    Properties:
      InlineCode: "exports.handler = async () => 'debug';"
      Handler: index.handler

Outputs:
  HelloWorldApi:
    Description: API Gateway endpoint URL for Prod stage
    Value: !Sub "https://\${AWS::StackName}.execute-api.\${AWS::Region}.amazonaws.com/Prod/hello/"
  HelloWorldFunction:
    Value: !GetAtt HelloWorldFunction.Arn
`;

describe('kumo deploy (SAM templates against a real server)', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  const invoke = async (name: string, qualifier?: string) => {
    const r = await s.client.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier, Payload: Buffer.from('{}') }));
    assert.equal(r.FunctionError, undefined, decode(r.Payload));
    return JSON.parse(decode(r.Payload)) as { tag: string; env: Record<string, string>; opt: string | null };
  };
  withServer((srv, e) => {
    s = srv;
    env = e;
  });

  it('deploys a hello-world SAM template: plan, events note, Globals, Parameters, Conditions, intrinsics, Outputs', async () => {
    const dir = path.join(tmpDir('sam'), 'sam-app');
    writeTree(dir, { 'template.yaml': helloTemplate, 'hello-world/app.js': echoFn('v1') });
    const r = await ok(['deploy'], { env, cwd: dir });
    assert.match(r.stdout, /Plan:\n/);
    assert.match(r.stdout, /\+ create\s+HelloWorldFunction\s+AWS::Serverless::Function\s+sam-app-HelloWorldFunction/);
    assert.match(r.stdout, /\+ create\s+DebugFunction/);
    // The Api event is a route of SAM's implicit ServerlessRestApi (Kumo's HTTP API engine, payload 1.0, stage Prod).
    assert.match(r.stdout, /\+ create\s+ServerlessRestApi\s+AWS::Serverless::Api/);
    assert.match(r.stdout, /GET \/hello  http:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.localhost:\d+\/Prod\/hello/);
    assert.match(r.stdout, /waiting for sam-app-HelloWorldFunction to be Active/);
    assert.match(r.stdout, /HelloWorldApi = https:\/\/sam-app\.execute-api\.us-east-1\.amazonaws\.com\/Prod\/hello\//);
    assert.match(r.stdout, /HelloWorldFunction = arn:aws:lambda:us-east-1:000000000000:function:sam-app-HelloWorldFunction/);
    const out = await invoke('sam-app-HelloWorldFunction');
    assert.equal(out.tag, 'v1');
    assert.deepEqual(out.env, {
      STAGE: 'dev',
      TABLE: 'sam-app-table-dev',
      MODE: 'development',
      BIG: 'no',
      EITHER: 'yes',
      JOINED: 'a-dev-y',
      REGION: 'us-east-1',
      SELF: 'arn:aws:lambda:us-east-1:000000000000:function:sam-app-DebugFunction',
    });
    const cfg = (await s.client.send(new GetFunctionCommand({ FunctionName: 'sam-app-HelloWorldFunction' }))).Configuration!;
    assert.equal(cfg.MemorySize, 128);
    assert.equal(cfg.Timeout, 3);
    const dbg = await s.client.send(new InvokeCommand({ FunctionName: 'sam-app-DebugFunction' }));
    assert.equal(decode(dbg.Payload), '"debug"');
    const rec = JSON.parse(fs.readFileSync(path.join(dir, '.kumo-stack.json'), 'utf8'));
    assert.equal(rec.resources.HelloWorldFunction.physicalId, 'sam-app-HelloWorldFunction');
    assert.equal(rec.resources.HelloWorldFunction.codeSha256, cfg.CodeSha256);

    // Idempotent: the same template and code change nothing (same zip → same CodeSha256).
    const again = await ok(['deploy'], { env, cwd: dir });
    assert.match(again.stdout, /= unchanged\s+HelloWorldFunction/);
    assert.match(again.stdout, /deployed: no changes/);
    const cfg2 = (await s.client.send(new GetFunctionCommand({ FunctionName: 'sam-app-HelloWorldFunction' }))).Configuration!;
    assert.equal(cfg2.LastModified, cfg.LastModified);
    assert.equal(cfg2.RevisionId, cfg.RevisionId);

    // kumo invoke takes the logical ID from the stack record.
    const inv = await ok(['invoke', 'HelloWorldFunction', '--no-logs'], { env, cwd: dir });
    assert.equal(JSON.parse(inv.stdout).tag, 'v1');

    // A parameter override flips conditions and changes configuration only; the Condition-false function is deleted.
    const prod = await ok(['deploy', '--parameter-overrides', 'Stage=prod', 'Memory=512'], { env, cwd: dir });
    assert.match(prod.stdout, /~ update\s+HelloWorldFunction\s+\S+\s+\S+\s+\(MemorySize; Environment\)/);
    assert.match(prod.stdout, /- delete\s+DebugFunction/);
    const p = await invoke('sam-app-HelloWorldFunction');
    assert.equal(p.env.MODE, 'production');
    assert.equal(p.env.BIG, 'yes');
    assert.equal(p.env.SELF, undefined, 'AWS::NoValue removes the variable');
    await assert.rejects(s.client.send(new GetFunctionCommand({ FunctionName: 'sam-app-DebugFunction' })), { name: 'ResourceNotFoundException' });
    assert.equal((await s.client.send(new GetFunctionCommand({ FunctionName: 'sam-app-HelloWorldFunction' }))).Configuration!.MemorySize, 512);
  });

  it('only changed code is uploaded; --dry-run changes nothing', async () => {
    const dir = path.join(tmpDir('code'), 'codeapp');
    writeTree(dir, {
      'template.yaml': `Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: a/\n      Handler: app.handler\n      Runtime: nodejs20.x\n  B:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: b/\n      Handler: app.handler\n      Runtime: nodejs20.x\n`,
      'a/app.js': echoFn('a1'),
      'b/app.js': echoFn('b1'),
    });
    await ok(['deploy'], { env, cwd: dir });
    const b0 = (await s.client.send(new GetFunctionCommand({ FunctionName: 'codeapp-B' }))).Configuration!;
    fs.writeFileSync(path.join(dir, 'a/app.js'), echoFn('a2'));
    const dry = await ok(['deploy', '--dry-run'], { env, cwd: dir });
    assert.match(dry.stdout, /~ update\s+A\s+\S+\s+codeapp-A\s+\(code\)/);
    assert.match(dry.stdout, /= unchanged\s+B/);
    assert.match(dry.stdout, /dry run: nothing changed/);
    assert.equal((await invoke('codeapp-A')).tag, 'a1');
    const r = await ok(['deploy'], { env, cwd: dir });
    assert.match(r.stdout, /uploading new code for codeapp-A/);
    assert.doesNotMatch(r.stdout, /codeapp-B \(/);
    assert.equal((await invoke('codeapp-A')).tag, 'a2');
    const b1 = (await s.client.send(new GetFunctionCommand({ FunctionName: 'codeapp-B' }))).Configuration!;
    assert.equal(b1.RevisionId, b0.RevisionId);
  });

  it('layers, AutoPublishAlias, AWS::Lambda::Function/Version/Alias, a zip CodeUri; removed resources are deleted', async () => {
    const dir = path.join(tmpDir('layers'), 'layered');
    writeTree(dir, {
      'layer/greeting.txt': 'hello from the layer v1',
      'template.yaml': `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: !Sub '\${AWS::StackName}-shared'
      ContentUri: layer/
      CompatibleRuntimes: [nodejs20.x]
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: api.zip
      Handler: app.handler
      Runtime: nodejs20.x
      Layers: [!Ref Shared]
      AutoPublishAlias: live
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: layered-plain
      Runtime: nodejs20.x
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/lambda-role
      Code:
        ZipFile: |
          exports.handler = async () => 'plain';
  PlainVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Plain
      Description: first
  PlainAlias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Plain
      FunctionVersion: !GetAtt PlainVersion.Version
      Name: stable
`,
    });
    fs.writeFileSync(path.join(dir, 'api.zip'), await makeZip({ 'app.js': echoFn('api1') }));
    const r = await ok(['deploy'], { env, cwd: dir });
    assert.match(r.stdout, /\+ create\s+Shared\s+AWS::Serverless::LayerVersion\s+layered-shared/);
    assert.match(r.stdout, /published layered-Api version 1, alias live → 1/);
    const live = await invoke('layered-Api', 'live');
    assert.equal(live.tag, 'api1');
    assert.equal(live.opt, 'hello from the layer v1');
    const alias = await s.client.send(new GetAliasCommand({ FunctionName: 'layered-plain', Name: 'stable' }));
    assert.equal(alias.FunctionVersion, '1');
    assert.equal(decode((await s.client.send(new InvokeCommand({ FunctionName: 'layered-plain', Qualifier: 'stable' }))).Payload), '"plain"');

    // Unchanged: no new layer version, no new function version.
    const same = await ok(['deploy'], { env, cwd: dir });
    assert.match(same.stdout, /deployed: no changes/);

    // New layer content: a new layer version, the function's Layers follow, the alias moves to a new version.
    fs.writeFileSync(path.join(dir, 'layer/greeting.txt'), 'hello from the layer v2');
    const upd = await ok(['deploy'], { env, cwd: dir });
    assert.match(upd.stdout, /~ update\s+Shared/);
    assert.match(upd.stdout, /~ update\s+Api\s+\S+\s+layered-Api\s+\(depends on Shared\)/);
    assert.match(upd.stdout, /alias live → 2/);
    assert.equal((await invoke('layered-Api', 'live')).opt, 'hello from the layer v2');

    // Remove the plain function and its version/alias from the template: they are deleted.
    const t = fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'template.yaml'), t.slice(0, t.indexOf('  Plain:')));
    const del = await ok(['deploy'], { env, cwd: dir });
    assert.match(del.stdout, /- delete\s+Plain\s+AWS::Lambda::Function\s+layered-plain/);
    assert.match(del.stdout, /- delete\s+PlainAlias/);
    await assert.rejects(s.client.send(new GetFunctionCommand({ FunctionName: 'layered-plain' })), { name: 'ResourceNotFoundException' });
    const rec = JSON.parse(fs.readFileSync(path.join(dir, '.kumo-stack.json'), 'utf8'));
    assert.deepEqual(Object.keys(rec.resources).sort(), ['Api', 'Shared']);
  });

  it('a failing resource is named with the reason; the others are deployed and keep working', async () => {
    const dir = path.join(tmpDir('fail'), 'partial');
    writeTree(dir, {
      'template.yaml': `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Handler: app.handler
    CodeUri: src/
Resources:
  Good:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
  Bad:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      MemorySize: 64
  NeedsBad:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Bad
  Limited:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      ReservedConcurrentExecutions: 2
`,
      'src/app.js': echoFn('partial'),
    });
    const r = await kumo(['deploy'], { env, cwd: dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✗ Bad \(AWS::Serverless::Function\) failed: ValidationException: 1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128/);
    assert.match(r.stdout, /✗ NeedsBad: skipped, it depends on Bad, which failed/);
    assert.match(r.stdout, /the others are deployed and working/);
    assert.ok(noStackTrace(r.stdout + r.stderr));
    assert.equal((await invoke('partial-Good')).tag, 'partial');
    assert.equal((await invoke('partial-Limited')).tag, 'partial');
    const limited = await s.client.send(new GetFunctionCommand({ FunctionName: 'partial-Limited' }));
    // SAM's ReservedConcurrentExecutions deploys through PutFunctionConcurrency.
    assert.doesNotMatch(r.stdout, /not supported by this server yet/);
    assert.match(r.stdout, /reserved concurrency of partial-Limited: 2/);
    assert.equal(limited.Concurrency?.ReservedConcurrentExecutions, 2);
    const rec = JSON.parse(fs.readFileSync(path.join(dir, '.kumo-stack.json'), 'utf8'));
    assert.ok(rec.resources.Good && rec.resources.Limited && !rec.resources.Bad);
  });
});

describe('kumo deploy: ownership', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  withServer((srv, e) => {
    s = srv;
    env = e;
  });

  it('never takes over a function that another project deployed under the same name', async () => {
    const tpl = `Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: nodejs20.x\n`;
    const a = path.join(tmpDir('own'), 'same');
    const b = path.join(tmpDir('own'), 'same');
    writeTree(a, { 'template.yaml': tpl, 'src/app.js': echoFn('first') });
    writeTree(b, { 'template.yaml': tpl, 'src/app.js': echoFn('second') });
    await ok(['deploy'], { env, cwd: a });
    const r = await kumo(['deploy'], { env, cwd: b });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ Fn \(AWS::Serverless::Function\) failed: a function named same-Fn already exists and belongs to \S+\/same\/template\.yaml; set FunctionName, use --stack-name, or kumo rm it/);
    const inv = await s.client.send(new InvokeCommand({ FunctionName: 'same-Fn' }));
    assert.equal(JSON.parse(decode(inv.Payload)).tag, 'first');
    // With its own stack name the second project deploys beside the first.
    await ok(['deploy', '--stack-name', 'other'], { env, cwd: b });
    assert.equal(JSON.parse(decode((await s.client.send(new InvokeCommand({ FunctionName: 'other-Fn' }))).Payload)).tag, 'second');
  });
});

describe('kumo deploy: ReservedConcurrentExecutions', () => {
  let s: RunningServer;
  let env: Record<string, string>;
  withServer((srv, e) => {
    s = srv;
    env = e;
  });

  it('puts the reservation, changes it to 0 (throttled), and deletes it when the property goes', async () => {
    const tpl = (reserved?: number) =>
      `Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: nodejs20.x\n` +
      (reserved === undefined ? '' : `      ReservedConcurrentExecutions: ${reserved}\n`);
    const dir = path.join(tmpDir('rc'), 'rc');
    writeTree(dir, { 'template.yaml': tpl(3), 'src/app.js': echoFn('rc') });
    const reserved = async () => (await s.client.send(new GetFunctionCommand({ FunctionName: 'rc-Fn' }))).Concurrency?.ReservedConcurrentExecutions;
    await ok(['deploy'], { env, cwd: dir });
    assert.equal(await reserved(), 3);
    writeTree(dir, { 'template.yaml': tpl(0) });
    const r0 = await ok(['deploy'], { env, cwd: dir });
    assert.match(r0.stdout, /ReservedConcurrentExecutions/, 'the plan names the change');
    assert.equal(await reserved(), 0);
    await assert.rejects(s.client.send(new InvokeCommand({ FunctionName: 'rc-Fn' })), /Rate Exceeded/);
    writeTree(dir, { 'template.yaml': tpl() });
    await ok(['deploy'], { env, cwd: dir });
    assert.equal(await reserved(), undefined);
    assert.equal(JSON.parse(decode((await s.client.send(new InvokeCommand({ FunctionName: 'rc-Fn' }))).Payload)).tag, 'rc');
  });
});

describe('kumo deploy: large archives', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s.stop();
  });

  it('shows upload progress for a large zip', async () => {
    const dir = path.join(tmpDir('big'), 'big');
    writeTree(dir, {
      'template.yaml': `Transform: AWS::Serverless-2016-10-31\nResources:\n  Big:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: nodejs20.x\n`,
      'src/app.js': `exports.handler = async () => require('fs').statSync(__dirname + '/blob.bin').size;\n`,
    });
    fs.writeFileSync(path.join(dir, 'src/blob.bin'), (await import('node:crypto')).randomBytes(1_500_000));
    const r = await ok(['deploy'], { env: userEnv(s, { KUMO_PROGRESS: '1' }), cwd: dir });
    assert.match(r.stderr, /upload \[#{30}\] 100% /);
    assert.match(r.stderr, /upload \[#+\.+\]\s+\d+% /);
    assert.equal(decode((await s.client.send(new InvokeCommand({ FunctionName: 'big-Big' }))).Payload), '1500000');
  });
});

describe('kumo deploy: template mistakes point at the line', () => {
  let env: Record<string, string>;
  withServer((_s, e) => {
    env = e;
  });

  const fn = (extra: string, transform = true) =>
    `${transform ? 'Transform: AWS::Serverless-2016-10-31\n' : ''}Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: nodejs20.x\n${extra}`;
  const cases: [string, string, string[], RegExp][] = [
    ['no Transform', fn('', false), [], /template\.yaml:3:5: Resources\.Fn\.Type: AWS::Serverless::Function needs 'Transform: AWS::Serverless-2016-10-31'/],
    ['a misspelt property', fn('      Timout: 3\n'), [], /template\.yaml:9:7: Resources\.Fn\.Properties\.Timout: unknown property 'Timout' of AWS::Serverless::Function/],
    ['!Ref to nothing', fn('      MemorySize: !Ref Memory\n'), [], /template\.yaml:9:\d+: Resources\.Fn\.Properties\.MemorySize\.Ref: 'Memory' is not a parameter, pseudo parameter or resource/],
    ['an unknown tag', fn('      Timeout: !Reff X\n'), [], /template\.yaml:9:\d+: Resources\.Fn\.Properties\.Timeout: unknown tag !Reff/],
    ['broken YAML', fn('      Environment: [\n'), [], /template\.yaml:\d+:\d+: not valid YAML/],
    ['a missing CodeUri directory', fn('').replace('src/', 'nowhere/'), [], /template\.yaml:6:7: Resources\.Fn\.Properties\.CodeUri: CodeUri nowhere\/ does not exist/],
    ['an undeclared condition', fn('').replace('    Properties:\n', '    Condition: IsProd\n    Properties:\n'), [], /template\.yaml:5:5: Resources\.Fn\.Condition: condition "IsProd" is not declared in Conditions/],
    ['a value outside AllowedValues', `Parameters:\n  Stage:\n    Type: String\n    AllowedValues: [dev, prod]\n    Default: dev\n${fn('')}`, ['--parameter-overrides', 'Stage=test'], /template\.yaml:2:3: Parameters\.Stage: value 'test' from --parameter-overrides is not one of AllowedValues \[dev, prod\]/],
    ['an override for no parameter', fn(''), ['--parameter-overrides', 'Nope=1'], /--parameter-overrides names 'Nope', which is not a parameter/],
    ['a parameter without a value', `Parameters:\n  Table:\n    Type: String\n${fn('')}`, [], /template\.yaml:2:3: Parameters\.Table: parameter Table has no Default: give it with --parameter-overrides Table=VALUE/],
    ['a circular dependency', fn('      Environment:\n        Variables:\n          OTHER: !Ref Other\n') + `  Other:\n    Type: AWS::Lambda::Version\n    Properties:\n      FunctionName: !Ref Fn\n`, [], /circular dependency: Fn → Other → Fn|circular dependency: Other → Fn → Other/],
    ['a missing Handler', 'Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Runtime: nodejs20.x\n', [], /template\.yaml:3:3: Resources\.Fn: AWS::Serverless::Function Fn needs Handler/],
    ['GetAtt of a missing attribute', fn('      Description: !GetAtt Fn2.Nope\n') + `  Fn2:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: nodejs20.x\n`, [], /template\.yaml:9:\d+: Resources\.Fn\.Properties\.Description\.Fn::GetAtt: Fn2 \(AWS::Serverless::Function\) has the attribute Arn, not Nope/],
  ];
  for (const [name, template, args, want] of cases) {
    it(`reports ${name}`, async () => {
      const dir = tmpDir('mistake');
      writeTree(dir, { 'template.yaml': template, 'src/app.js': echoFn('x') });
      const r = await kumo(['deploy', ...args], { env, cwd: dir });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, want);
      assert.match(r.stderr, /^kumo: template error: /);
      assert.ok(noStackTrace(r.stderr), r.stderr);
      assert.doesNotMatch(r.stdout, /Plan:/);
      assert.ok(!fs.existsSync(path.join(dir, '.kumo-stack.json')));
    });
  }

  it('a missing template says so', async () => {
    const r = await kumo(['deploy'], { env, cwd: tmpDir('empty') });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^kumo: no template at template\.yaml \(use -t FILE, or kumo init to start a project\)\n$/);
  });
});
