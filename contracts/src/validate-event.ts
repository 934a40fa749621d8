import { Compile } from 'typebox/compile';
import type { Validator } from 'typebox/compile';
import { EVENT_CATALOGUE } from './events';
import type { CodedError } from './result';

const validators = new Map<string, Validator>(EVENT_CATALOGUE.map((e) => [e.type, Compile(e.data) as unknown as Validator]));

/**
 * Checks an event's data against its schema in the catalogue before it is recorded: an event
 * that does not match its schema would be a fact no reader can trust, forever.
 */
export function validateEvent(event: { type: string; data: unknown }): CodedError<'EVENT_SCHEMA_VIOLATION'> | null {
  const validator = validators.get(event.type);
  if (!validator) return { code: 'EVENT_SCHEMA_VIOLATION', message: `unknown event type ${event.type}` };
  if (validator.Check(event.data)) return null;
  const first = [...validator.Errors(event.data)][0];
  const where = first && 'instancePath' in first ? String(first.instancePath) : '';
  const what = first && 'message' in first ? String(first.message) : 'does not match its schema';
  return { code: 'EVENT_SCHEMA_VIOLATION', message: `${event.type}${where ? ` at ${where}` : ''}: ${what}` };
}

