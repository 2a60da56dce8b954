import { eventHints, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { isMapping } from '../values';

/**
 * A SAM function's Events, which Kumo does not wire yet: each is reported
 * (with a `kumo generate-event` line to try the function with such an event)
 * and skipped. An event source that Kumo gains becomes part of the function's
 * `expand` (an AWS::Lambda::EventSourceMapping, a Permission, a rule…).
 */
export function reportEvents(d: ResourceDecl, pr: Record<string, unknown>, ctx: DeployContext): void {
  const evs = pr.Events;
  if (evs === undefined) return;
  if (!isMapping(evs)) throw ctx.error(`Resources.${d.id}.Properties.Events`, 'Events is a mapping of name → {Type, Properties}');
  for (const [name, ev] of Object.entries(evs)) {
    const type = isMapping(ev) ? String(ev.Type) : '?';
    const hint = eventHints[type];
    ctx.out(
      `note: ${d.id} event ${name} (${type}) is not wired: Kumo has no ${type} event source yet` +
        (hint ? `; try it with: kumo generate-event ${hint} | kumo invoke ${d.id} --event -` : ''),
    );
  }
}
