import { z } from 'zod';
import { storableString } from '../schemas.ts';

/**
 * The key-value store (spec rest.md §3.8): per account, versioned, values are client-encrypted
 * bytes exchanged as base64, a null value is a tombstone that keeps its version.
 *
 * Keys are plaintext names such as `todo.index` or `todo.<uuid>`. 100 characters is the longest
 * path parameter the router matches, so every key that can be written can also be read with
 * GET /v1/kv/:key (upstream let longer keys be written that only list and bulk could reach).
 */
export const KV_KEY_MAX_CHARS = 100;

/**
 * 128 Ki base64 characters (96 KiB of ciphertext) per value: the app's largest value, the todo
 * index, holds the ids of at most the 1000 todos it lists, about 40 KiB. Bounding the value also
 * bounds what a list of 1000 items or a batch of 100 mutations can weigh.
 */
export const KV_VALUE_MAX_CHARS = 128 * 1024;

export const KV_BATCH_MAX = 100;
export const KV_LIST_MAX = 1000;

export const kvKey = storableString(z.string().min(1).max(KV_KEY_MAX_CHARS));

/** The largest legal POST /v1/kv/bulk body: 100 keys, every character JSON-escaped (6 bytes). */
export const KV_BULK_BODY_LIMIT = KV_BATCH_MAX * (6 * KV_KEY_MAX_CHARS + 3) + 1024;

/** The largest legal POST /v1/kv body: 100 mutations with the longest key and value (base64 needs no escapes). */
export const KV_MUTATE_BODY_LIMIT = KV_BATCH_MAX * (KV_VALUE_MAX_CHARS + 6 * KV_KEY_MAX_CHARS + 64) + 1024;

export interface KvRow {
    key: string;
    value: Uint8Array | null;
    version: number;
}

export const kvValueText = (value: Uint8Array | null) => (value ? Buffer.from(value).toString('base64') : null);

/** Live records as GET, list and bulk return them, in upstream's key order; tombstones are left out. */
export function liveItems(rows: KvRow[]): Array<{ key: string; value: string; version: number }> {
    return rows.flatMap(({ key, value, version }) => (value ? [{ key, value: Buffer.from(value).toString('base64'), version }] : []));
}
