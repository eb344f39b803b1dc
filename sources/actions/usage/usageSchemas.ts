import { z } from 'zod';
import { storableString } from '../schemas.ts';
import { sessionIdSchema } from '../session/sessionViews.ts';

/**
 * Input limits for usage reports and queries. Upstream checked only that `total` was a number,
 * so any JSON (megabytes of it, strings, nested objects) went into the JSONB column.
 */

/** Absent, null and '' all mean "no session", as upstream's truthiness check had it. */
export const optionalSessionId = z
    .union([z.literal(''), sessionIdSchema])
    .nullish()
    .transform((id) => id || null);

/** Token counts and dollar costs; the bound keeps every sum far inside a double. */
const amount = z.number().min(0).max(1e15);

/**
 * `{ total, ...per-kind amounts }` as happy-cli sends it (`input`, `output`, `cache_read` ...).
 * zod leaves a `__proto__` key out of the parsed map, so it is never stored or echoed.
 */
export const amounts = z
    .record(storableString(z.string().min(1).max(64)), amount)
    .refine((map) => Object.keys(map).length <= 32, 'Too many entries')
    .refine((map) => Object.hasOwn(map, 'total'), 'Missing total');

/** Epoch seconds up to the end of year 9999, the range a Postgres timestamp and a JS Date share. */
export const epochSeconds = z.number().int().positive().max(253_402_300_799);
