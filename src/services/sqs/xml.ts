import { escapeXml, QueryXml } from '../../gateway/protocols/query';
import type { Members } from '../../gateway/service';

/**
 * SQS's query-protocol answers: every list and map of the model is
 * flattened (`xmlFlattened`), so a list member repeats its element
 * (`<QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl>`, `<Message>…</Message>`)
 * and a map repeats `<Attribute><Name/><Value/></Attribute>` (message
 * attributes: `<MessageAttribute><Name/><Value><StringValue/><DataType/></Value>`,
 * tags `<Tag><Key/><Value/></Tag>`). This turns an operation's JSON-shaped
 * output into that.
 */
const x = (name: string, v: unknown) => `<${name}>${escapeXml(String(v))}</${name}>`;

function scalars(o: Record<string, unknown>): string {
  let s = '';
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && typeof v !== 'object') s += x(k, v);
  return s;
}

const pairs = (m: Record<string, unknown>, el: string, k: string, v: string) =>
  Object.entries(m).map(([name, value]) => `<${el}>${x(k, name)}${x(v, value)}</${el}>`).join('');

function messageAttrs(m: Record<string, Record<string, unknown>>): string {
  return Object.entries(m)
    .map(([n, a]) => `<MessageAttribute>${x('Name', n)}<Value>${scalars(a)}</Value></MessageAttribute>`)
    .join('');
}

function message(m: Record<string, unknown>): string {
  let s = scalars(m);
  if (m.Attributes) s += pairs(m.Attributes as Record<string, unknown>, 'Attribute', 'Name', 'Value');
  if (m.MessageAttributes) s += messageAttrs(m.MessageAttributes as Record<string, Record<string, unknown>>);
  return `<Message>${s}</Message>`;
}

const entryElement: Record<string, string> = {
  SendMessageBatch: 'SendMessageBatchResultEntry',
  DeleteMessageBatch: 'DeleteMessageBatchResultEntry',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibilityBatchResultEntry',
};

export function toQueryXml(op: string, out: Members): Members {
  const r: Members = {};
  for (const [k, v] of Object.entries(out)) {
    if (v === undefined || v === null) continue;
    if (k === 'QueueUrls' || k === 'queueUrls') r[k] = new QueryXml((v as string[]).map((u) => x('QueueUrl', u)).join(''), true);
    else if (k === 'Attributes') r[k] = new QueryXml(pairs(v as Record<string, unknown>, 'Attribute', 'Name', 'Value'), true);
    else if (k === 'Tags') r[k] = new QueryXml(pairs(v as Record<string, unknown>, 'Tag', 'Key', 'Value'), true);
    else if (k === 'Messages') r[k] = new QueryXml((v as Record<string, unknown>[]).map(message).join(''), true);
    else if (k === 'Successful') r[k] = new QueryXml((v as Record<string, unknown>[]).map((e) => `<${entryElement[op]}>${scalars(e)}</${entryElement[op]}>`).join(''), true);
    else if (k === 'Failed') r[k] = new QueryXml((v as Record<string, unknown>[]).map((e) => `<BatchResultErrorEntry>${scalars(e)}</BatchResultErrorEntry>`).join(''), true);
    else if (k === 'Results') r[k] = new QueryXml((v as Record<string, unknown>[]).map((e) => `<ListMessageMoveTasksResultEntry>${scalars(e)}</ListMessageMoveTasksResultEntry>`).join(''), true);
    else r[k] = v;
  }
  return r;
}
