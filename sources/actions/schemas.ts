import { z } from 'zod';

/**
 * Standard base64 as upstream's strict decoder accepts it (RFC 4648 alphabet, optional padding).
 * Anything else is a 400 here; upstream answered it with a 500.
 */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checked with a single character class and arithmetic: a regex that repeats a group of four
 * overflows V8's stack on strings of a few megabytes (a RangeError instead of a 400).
 */
function isBase64(value: string): boolean {
    if (!BASE64_CHARS.test(value)) return false;
    const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
    const tail = (value.length - padding) % 4;
    return padding === 0 ? tail !== 1 : tail + padding === 4;
}

export const base64Text = (maxChars: number) => z.string().max(maxChars).refine(isBase64, 'Invalid base64');

export const base64Bytes = base64Text(1_000_000).transform((value) => Buffer.from(value, 'base64'));

export const INT32_MAX = 2 ** 31 - 1;
export const INT32_MIN = -(2 ** 31);

/**
 * A number that meets an INTEGER (int4) column, stored or compared: Postgres refuses a value
 * outside 32 bits with an error, which was a 500; the bound makes it a 400 / error ack.
 */
export const int4 = (min = INT32_MIN, max = INT32_MAX) => z.number().int().min(min).max(max);

/** The same for a query-string parameter (text, coerced). */
export const int4Query = (min = INT32_MIN, max = INT32_MAX) => z.coerce.number().int().min(min).max(max);

/**
 * The latest instant a JavaScript Date holds (and so a TIMESTAMP column through Prisma): past it
 * `new Date(ms)` is invalid and the query fails (`changedSince=9007199254740991` was a 500).
 */
export const MAX_DATE_MS = 8.64e15;

/** The version a client last saw; bounded so that `version + 1` still fits an INTEGER column. */
export const expectedVersion = int4(0, INT32_MAX - 1);

export const publicKeyHex = (key: Uint8Array) => Buffer.from(key).toString('hex').toUpperCase();

/** NUL cannot be stored in TEXT or JSONB; a lone surrogate would be silently rewritten as U+FFFD. */
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;

/**
 * A string the database can store as sent. Upstream passed NUL bytes through to Postgres and
 * answered with a 500; here they fail validation (400 / error ack).
 */
export const storableString = (schema: z.ZodString = z.string()) =>
    schema.refine((value) => !UNSTORABLE.test(value), 'Invalid characters');
