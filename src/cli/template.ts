import fs from 'node:fs';
import path from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YNode } from 'yaml';

/**
 * Reading a CloudFormation/SAM template: YAML (or JSON) with the short-form
 * intrinsic tags (!Ref, !Sub, …) turned into their long form ({"Ref": …},
 * {"Fn::Sub": …}), and the line and column of every value kept so that every
 * error can point at the offending line.
 */

/** A position in the template file. */
export interface Pos {
  line: number;
  col: number;
}

export class TemplateError extends Error {
  constructor(
    readonly file: string,
    readonly pos: Pos | undefined,
    readonly where: string,
    readonly detail: string,
  ) {
    super(`${path.relative(process.cwd(), file) || file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${where ? where + ': ' : ''}${detail}`);
  }
}

export interface ParsedTemplate {
  file: string;
  value: Record<string, unknown>;
  /** JSON-pointer-like path ("Resources.Fn.Properties.Runtime") → position. */
  positions: Map<string, Pos>;
  /** The position of a path, or of its nearest ancestor that has one. */
  posOf(p: string): Pos | undefined;
  error(p: string, detail: string): TemplateError;
  source: string;
}

const tagToFn: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!GetAZs': 'Fn::GetAZs',
  '!ImportValue': 'Fn::ImportValue',
  '!Cidr': 'Fn::Cidr',
  '!Length': 'Fn::Length',
  '!ToJsonString': 'Fn::ToJsonString',
  '!Transform': 'Fn::Transform',
};

export function parseTemplate(file: string, source = fs.readFileSync(file, 'utf8')): ParsedTemplate {
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: false });
  const positions = new Map<string, Pos>();
  const posAt = (offset: number): Pos => lc.linePos(offset);
  const where = (p: string) => p;
  const mkError = (p: string, detail: string) => {
    const pos = posOf(p);
    return new TemplateError(file, pos, where(p), detail);
  };
  const posOf = (p: string): Pos | undefined => {
    let q = p;
    for (;;) {
      const hit = positions.get(q);
      if (hit) return hit;
      if (!q) return undefined;
      const cut = Math.max(q.lastIndexOf('.'), q.lastIndexOf('['));
      q = cut <= 0 ? '' : q.slice(0, cut);
    }
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0] ?? posAt(e.pos[0]);
    throw new TemplateError(file, pos, '', `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const value = toValue(doc, doc.contents as YNode | null, '', positions, posAt, file);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TemplateError(file, { line: 1, col: 1 }, '', 'a template is a mapping with at least a Resources section');
  }
  return { file, value: value as Record<string, unknown>, positions, posOf, error: mkError, source };
}

function toValue(
  doc: Document,
  node: YNode | null | undefined,
  p: string,
  positions: Map<string, Pos>,
  posAt: (o: number) => Pos,
  file: string,
): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toValue(doc, node.resolve(doc) as YNode | undefined, p, positions, posAt, file);
  if (node.range && !positions.has(p)) positions.set(p, posAt(node.range[0]));
  let v: unknown;
  if (isScalar(node)) {
    v = node.value;
  } else if (isMap(node)) {
    const o: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YNode | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const cp = p ? `${p}.${key}` : key;
      if (keyNode && (keyNode as YNode).range) positions.set(cp, posAt((keyNode as YNode).range![0]));
      o[key] = toValue(doc, pair.value as YNode | null, cp, positions, posAt, file);
    }
    v = o;
  } else if (isSeq(node)) {
    v = node.items.map((it, i) => toValue(doc, it as YNode, `${p}[${i}]`, positions, posAt, file));
  } else v = null;
  const tag = node.tag;
  if (tag && tag.startsWith('!') && !tag.startsWith('!!')) {
    const fn = tagToFn[tag];
    if (!fn) {
      throw new TemplateError(file, node.range ? posAt(node.range[0]) : undefined, p, `unknown tag ${tag} (intrinsic functions: ${Object.keys(tagToFn).join(' ')})`);
    }
    if (fn === 'Fn::GetAtt' && typeof v === 'string') {
      const dot = v.indexOf('.');
      v = dot > 0 ? [v.slice(0, dot), v.slice(dot + 1)] : [v];
    }
    return { [fn]: v };
  }
  return v;
}

/** template.yaml, template.yml or template.json in the directory. */
export function findTemplate(given: string | undefined): string {
  if (given) return path.resolve(given);
  for (const n of ['template.yaml', 'template.yml', 'template.json']) {
    if (fs.existsSync(n)) return path.resolve(n);
  }
  return path.resolve('template.yaml');
}
