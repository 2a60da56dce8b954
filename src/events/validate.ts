import { EventsError } from './errors';
import * as L from './limits';

/**
 * Model constraints of events-2015-10-07, checked before any semantic rule
 * and answered in Coral's words as EventBridge does: every failure of the
 * request in one ValidationException ("2 validation errors detected: …; …"),
 * members named in lowerCamelCase with list positions
 * (`targets.1.member.id`, recorded from AWS).
 */
export class Constraints {
  private readonly failures: string[] = [];

  private fail(value: unknown, at: string, rule: string): void {
    this.failures.push(`Value '${String(value)}' at '${at}' failed to satisfy constraint: ${rule}`);
  }

  /** A string member: length bounds and the model's pattern (anchored as Coral anchors it). */
  str(v: string | undefined, at: string, c: { min?: number; max?: number; pattern?: string; required?: boolean }): this {
    if (v === undefined) {
      if (c.required) this.fail(null, at, 'Member must not be null');
      return this;
    }
    if (c.pattern !== undefined && !new RegExp(`^(?:${c.pattern})$`).test(v)) this.fail(v, at, `Member must satisfy regular expression pattern: ${c.pattern}`);
    if (c.min !== undefined && v.length < c.min) this.fail(v, at, `Member must have length greater than or equal to ${c.min}`);
    if (c.max !== undefined && v.length > c.max) this.fail(v, at, `Member must have length less than or equal to ${c.max}`);
    return this;
  }

  num(v: number | undefined, at: string, min: number, max: number): this {
    if (v === undefined) return this;
    if (v < min) this.fail(v, at, `Member must have value greater than or equal to ${min}`);
    if (v > max) this.fail(v, at, `Member must have value less than or equal to ${max}`);
    return this;
  }

  list(v: readonly unknown[] | undefined, at: string, c: { min?: number; max?: number; required?: boolean }, shown?: string): this {
    if (v === undefined) {
      if (c.required) this.fail(null, at, 'Member must not be null');
      return this;
    }
    const value = shown ?? `[${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')}]`;
    if (c.min !== undefined && v.length < c.min) this.fail(value, at, `Member must have length greater than or equal to ${c.min}`);
    if (c.max !== undefined && v.length > c.max) this.fail(value, at, `Member must have length less than or equal to ${c.max}`);
    return this;
  }

  enumOf(v: string | undefined, at: string, values: readonly string[]): this {
    if (v !== undefined && !values.includes(v)) this.fail(v, at, `Member must satisfy enum value set: [${values.join(', ')}]`);
    return this;
  }

  /** Throws the ValidationException when anything failed. */
  done(): void {
    const n = this.failures.length;
    if (n === 0) return;
    throw new EventsError('Validation', `${n} validation error${n === 1 ? '' : 's'} detected: ${this.failures.join('; ')}`);
  }
}

/** The model's patterns and lengths (events-2015-10-07). */
export const ruleNameC = { min: 1, max: 64, pattern: '[\\.\\-_A-Za-z0-9]+' };
export const busNameC = { min: 1, max: 256, pattern: '[/\\.\\-_A-Za-z0-9]+' };
export const busNameOrArnC = { min: 1, max: 1600, pattern: '(arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+' };
export const nonPartnerBusNameOrArnC = { min: 1, max: 1600, pattern: '(arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[\\.\\-_A-Za-z0-9]+' };
/** PutPermission / RemovePermission: NonPartnerEventBusName, Action, Principal, StatementId. */
export const nonPartnerBusNameC = { min: 1, max: 256, pattern: '[\\.\\-_A-Za-z0-9]+' };
export const permissionActionC = { min: 1, max: 64, pattern: 'events:[a-zA-Z]+' };
export const permissionPrincipalC = { min: 1, max: 12, pattern: '(\\d{12}|\\*)' };
export const statementIdC = { min: 1, max: 64, pattern: '[a-zA-Z0-9-_]+' };
export const targetIdC = { min: 1, max: 64, pattern: '[\\.\\-_A-Za-z0-9]+' };
export const arnC = { min: 1, max: 1600 };
export const descriptionC = { max: 512 };
export const patternC = { max: L.eventPatternCharsMax };
export const scheduleC = { max: 256 };
export const nextTokenC = { min: 1, max: 2048 };
export const tagKeyC = { min: 1, max: 128 };
export const tagValueC = { min: 0, max: 256 };
