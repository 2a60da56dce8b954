import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob, escapeGlobLiteral, globFromPolicyText, hasWildcard, type GlobFlavour } from './glob';
import { fillTemplate, parseTemplate } from './variables';

const m = (pattern: string, s: string, flavour: GlobFlavour) => compileGlob(globFromPolicyText(pattern), flavour).test(s);

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
  assert.equal(compileGlob(escapeGlobLiteral('a*'), 'like').test('a*'), true);
  assert.equal(compileGlob(escapeGlobLiteral('a*'), 'like').test('ab'), false);
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
