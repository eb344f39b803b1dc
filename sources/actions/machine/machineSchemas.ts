import { z } from 'zod';
import { INT32_MAX, INT32_MIN, int4, storableString as storable } from '../schemas.ts';

/**
 * Input limits for machines. Upstream accepted any string, so a NUL byte or a multi-megabyte
 * value reached Postgres and came back as a 500; here they are a 400 / `Invalid parameters`.
 */

/**
 * Client-chosen machine ids (the CLI uses a UUID). 100 characters is also the longest path
 * parameter the router matches, so every machine that can be created can be fetched and deleted.
 */
export const machineId = storable(z.string().min(1).max(100));

/** Encrypted metadata / daemon state: opaque base64 of a small JSON document. */
export const opaqueValue = storable(z.string().max(1_000_000));

/** The wrapped data key (~140 characters in practice); decoded leniently, as upstream did. */
export const dataEncryptionKey = z.string().max(4096);

/** An expected version; bounded so that `version + 1` still fits the INTEGER column. */
export const expectedVersion = int4(INT32_MIN, INT32_MAX - 1);
