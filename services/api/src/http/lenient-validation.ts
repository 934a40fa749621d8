import { parse as parseQueryString } from 'node:querystring';
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifySchema, FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';

/**
 * Request validation as lenient as the reference server (Django REST Framework), and as strict
 * as before about what is stored:
 * - a body field the route does not know (unknown, or read-only like `id`) is dropped before the
 *   handler sees it, never refused and never stored (`removeAdditional` where a schema says
 *   `additionalProperties: false`);
 * - a JSON body is validated as sent: `null` stays `null` ("not given" on create, "clear it" on
 *   PATCH), and a value of the wrong type is a 400 naming its field. Nothing is coerced, so
 *   `"release": null` can never become `0`;
 * - a form body (`application/x-www-form-urlencoded`, where every value is text) and query
 *   strings and path parameters are coerced to the schema's types (`"1"` → 1), as before.
 */
const formBodies = new WeakSet<object>();

/** The form-body parser for `@fastify/formbody`: parses as it did, and marks the result as text to coerce. */
export function parseFormBody(text: string): Record<string, unknown> {
  const parsed = parseQueryString(text);
  formBodies.add(parsed);
  return parsed;
}

interface Validator {
  (data: unknown): boolean;
  errors?: FastifySchemaValidationError[] | null;
}

const SHARED = { allErrors: false, useDefaults: true } as const;

/** A validator compiler for `app.setValidatorCompiler`: bodies per the rules above, other parts coerced. */
export function lenientValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const pool = AjvCompiler();
  const asSent = pool({}, { customOptions: { ...SHARED, coerceTypes: false, removeAdditional: true } });
  const asText = pool({}, { customOptions: { ...SHARED, coerceTypes: 'array', removeAdditional: true } });
  const queries = pool({}, { customOptions: { ...SHARED, coerceTypes: 'array', removeAdditional: false } });
  return ({ schema, method, url, httpPart }) => {
    const route = { schema: schema as object, method, url, httpPart };
    if (httpPart !== 'body') return queries(route) as Validator;
    const json = asSent(route) as Validator;
    const form = asText(route) as Validator;
    const validate: Validator = (data) => {
      const chosen = typeof data === 'object' && data !== null && formBodies.has(data) ? form : json;
      const ok = chosen(data);
      validate.errors = chosen.errors;
      return ok;
    };
    return validate;
  };
}
