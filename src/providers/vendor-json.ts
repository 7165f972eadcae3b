/**
 * Reading vendor JSON: zod validation of response bodies with an error that names the vendor and the
 * object, and response headers by name.
 */
import type { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Headers } from './http.js';

/** Validates a vendor body; a shape deskctl cannot read is an ApiError naming the vendor and the object. */
export function parseVendorBody<S extends z.ZodType>(vendor: string, schema: S, body: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ApiError(`${vendor} returned an unexpected ${what}: ${issue?.path.join('.') || 'body'}: ${issue?.message}`, {
    hint: 'run again with --verbose to see the request',
  });
}

/** `parse(schema, body, what)` bound to one vendor's name, as providers use it. */
export const vendorParser =
  (vendor: string) =>
  <S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> =>
    parseVendorBody(vendor, schema, body, what);

/** The first value of a response header (names are lower case, as node gives them). */
export const headerValue = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};
