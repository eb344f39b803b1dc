import { z } from 'zod';
import type { SpooledFile } from '../../files/blobStore.ts';
import { storableString } from '../schemas.ts';

export const MiB = 1024 * 1024;

/**
 * The `file` part of a multipart form as the route received it: the client's name and type,
 * and the bytes on local disk ('too-large' when they passed the route's limit and were dropped).
 */
export interface IncomingFile {
    name: string;
    type: string;
    spooled: SpooledFile | 'too-large';
}

export const incomingFile = z.object({
    name: z.string().max(1024),
    type: z.string().max(255),
    spooled: z.custom<SpooledFile | 'too-large'>((value) => value === 'too-large' || (typeof value === 'object' && value !== null && 'path' in value)),
});

/** File ids are cuids; anything longer cannot exist, and a NUL byte would reach Postgres (a 500). */
export const uploadIdParams = z.object({ id: storableString(z.string().min(1).max(64)) });
