import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob, escapeGlobLiteral, globFromPolicyText, globSource, hasWildcard, type GlobFlavour } from './glob';
import { fillTemplate, parseTemplate } from './variables';

const m = (pattern: string, s: string, flavour: GlobFlavour) => compileGlob(globFromPolicyText(pattern), flavour)(s);

test('no policy text becomes regex syntax', () => {
  for (const f of ['action', 'resource', 'like', 'arn'] as const) {
    assert.equal(m('a.b', 'axb', f), false, f);
    assert.equal(m('a+b', 'a+b', f), true, f);
    assert.equal(m('(x|y)', '(x|y)', f), true, f);
    assert.equal(m('(x|y)', 'x', f), false, f);
    assert.equal(m('[ab]', 'a', f), false, f);
    assert.equal(m('a\\b', 'a\\b', f), true, f);
    assert.equal(m('^$', '^$', f), true, f);
    assert.equal(m('{1}', '{1}', f), true, f);
  }
});

test('escaped wildcards are literal; hasWildcard sees only real ones', () => {
  assert.equal(hasWildcard(escapeGlobLiteral('a*b?')), false);
  assert.equal(hasWildcard('a*'), true);
  assert.equal(compileGlob(escapeGlobLiteral('a*'), 'like')('a*'), true);
  assert.equal(compileGlob(escapeGlobLiteral('a*'), 'like')('ab'), false);
});

test('like: * and ? span anything, new lines included', () => {
  assert.equal(m('a*z', 'a:b/c\nz', 'like'), true);
  assert.equal(m('a?z', 'a\nz', 'like'), true);
  assert.equal(m('*', '', 'like'), true);
});

test('templates: variables, escapes, defaults; unterminated or empty ${} stay literal', () => {
  const fill = (text: string, ctx: Record<string, string>) => {
    const t = parseTemplate(text, true);
    return typeof t === 'string' ? t : fillTemplate(t, (key, keyLower) => ctx[key] ?? Object.entries(ctx).find(([k]) => k.toLowerCase() === keyLower)?.[1]);
  };
  assert.equal(fill('home/${aws:username}/', { 'aws:username': 'a*b' }), 'home/a\\*b/');
  assert.equal(fill('${*}${?}${$}', {}), '\\*\\?$');
  assert.equal(fill('x${aws:username', {}), 'x${aws:username');
  assert.equal(fill('x${}', {}), 'x${}');
  assert.equal(fill("${aws:PrincipalTag/team, 'none'}", {}), 'none');
  assert.equal(fill("${aws:PrincipalTag/team,'none'}", { 'aws:principaltag/team': 'red' }), 'red');
  assert.equal(fill('${aws:username}', {}), undefined);
  assert.equal(parseTemplate('${aws:username}', false), '${aws:username}');
});

test('the linear matcher (patterns of several stars) agrees with the RegExp semantics, for every flavour', () => {
  // A fixed-seed generator: the same cases on every run.
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = (alphabet: string, max: number) => {
    let out = '';
    for (let i = rand(max + 1); i > 0; i--) out += alphabet[rand(alphabet.length)];
    return out;
  };
  let compared = 0;
  for (const flavour of ['action', 'resource', 'like', 'arn'] as const) {
    for (let i = 0; i < 400; i++) {
      const pattern = pick('ab:**?', 9);
      if ((pattern.match(/\*/g) ?? []).length < 2) continue;
      const reference = new RegExp('^(?:' + globSource(pattern, flavour) + ')$');
      const matcher = compileGlob(pattern, flavour);
      for (let j = 0; j < 30; j++) {
        const s = pick('ab:a:', 12);
        assert.equal(matcher(s), reference.test(s), `${flavour}: ${pattern} ~ ${JSON.stringify(s)}`);
        compared++;
      }
    }
  }
  assert.ok(compared > 10_000, String(compared));
});

test('patterns of many stars against long near-misses finish (no exponential backtracking)', { timeout: 10_000 }, () => {
  const long = 'arn:aws:s3:::' + 'a'.repeat(2000);
  for (const flavour of ['action', 'resource', 'like', 'arn'] as const) {
    assert.equal(m('arn:aws:s3:::' + 'a*'.repeat(12) + 'b', long, flavour), false, flavour);
    assert.equal(m('arn:aws:s3:::' + 'a*'.repeat(12) + 'a', long, flavour), true, flavour);
    assert.equal(m('*a?*a*a*a*a*a*a*a*a*a*b', long, flavour), false, flavour);
  }
});
