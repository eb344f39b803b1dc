import type { Readable } from 'node:stream';
import type { FilesConfig } from './storageConfig.ts';
import { createLocalBlobStore } from './localBlobStore.ts';
import type { SpooledFile, Spooler } from './spool.ts';

export type { SpooledFile } from './spool.ts';

export interface BlobRead {
    body: Readable;
    size: number;
    etag: string;
}

/**
 * Where file bytes live, behind one interface (ARCHITECTURE.md "Files"). Keys come from
 * blobKeys.ts. Uploads arrive through `spool` and are stored with `putFile`; reads stream.
 */
interface BlobStoreBase extends Spooler {
    /** Start-up: creates the directory, or checks that the bucket answers (ConfigError if not). */
    init(): Promise<void>;
    /** Whether the directory or bucket answers now (`GET /ready` checks it). */
    health(): Promise<boolean>;
    /** Stores a spooled file under `key`, replacing what was there; the spooled file is consumed. */
    putFile(key: string, file: SpooledFile, contentType: string): Promise<void>;
    /** Null when there is no such object. */
    get(key: string): Promise<BlobRead | null>;
    delete(key: string): Promise<void>;
    /** Removes every object whose key starts with `prefix` (which ends with `/`). */
    deletePrefix(prefix: string): Promise<void>;
    /** The keys under `prefix` ('' for all), sorted; for maintenance and tests. */
    list(prefix: string): Promise<string[]>;
    close(): Promise<void>;
}

export interface LocalBlobStore extends BlobStoreBase {
    kind: 'local';
}

export interface PresignedPost {
    url: string;
    fields: Record<string, string>;
}

export interface S3BlobStore extends BlobStoreBase {
    kind: 's3';
    /** A browser-style POST policy for `key`: any size from 0 to `maxBytes`, valid `ttlSeconds`. */
    presignPost(key: string, maxBytes: number, ttlSeconds: number): Promise<PresignedPost>;
    presignGet(key: string, ttlSeconds: number): Promise<string>;
}

export type BlobStore = LocalBlobStore | S3BlobStore;

/** The AWS SDK is loaded only in S3 mode: the embedded default starts without it. */
export async function createBlobStore(config: FilesConfig): Promise<BlobStore> {
    if (config.kind === 'local') return createLocalBlobStore(config);
    const { createS3BlobStore } = await import('./s3BlobStore.ts');
    return createS3BlobStore(config);
}
