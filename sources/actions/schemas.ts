import { z } from 'zod';

/**
 * Standard base64 as upstream's strict decoder accepts it (RFC 4648 alphabet, optional padding).
 * Anything else is a 400 here; upstream answered it with a 500.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

export const base64Bytes = z
    .string()
    .max(1_000_000)
    .refine((value) => BASE64.test(value), 'Invalid base64')
    .transform((value) => Buffer.from(value, 'base64'));

export const publicKeyHex = (key: Uint8Array) => Buffer.from(key).toString('hex').toUpperCase();

/** NUL cannot be stored in TEXT or JSONB; a lone surrogate would be silently rewritten as U+FFFD. */
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;

/**
 * A string the database can store as sent. Upstream passed NUL bytes through to Postgres and
 * answered with a 500; here they fail validation (400 / error ack).
 */
export const storableString = (schema: z.ZodString = z.string()) =>
    schema.refine((value) => !UNSTORABLE.test(value), 'Invalid characters');
