import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
    DeleteObjectCommand,
    DeleteObjectsCommand,
    GetObjectCommand,
    HeadBucketCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
    S3ServiceException,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ConfigError } from '../config.ts';
import type { S3BlobStore } from './blobStore.ts';
import { createSpooler } from './spool.ts';
import type { S3FilesConfig } from './storageConfig.ts';

const STARTUP_CHECK_MS = 10_000;
/** /ready's: a probe wants an answer, and the request is not left running after it. */
const HEALTH_CHECK_MS = 2_000;
const S3_CONNECT_TIMEOUT_MS = 5_000;

/**
 * S3-compatible storage (AWS, MinIO, R2, Ceph...) through the AWS SDK. Credentials come from the
 * S3_* variables only, never from the SDK's own chain (environment, profiles, instance role).
 */
export function createS3BlobStore(config: S3FilesConfig): S3BlobStore {
    const client = new S3Client({
        endpoint: config.endpoint,
        region: config.region,
        forcePathStyle: config.forcePathStyle,
        credentials: { accessKeyId: config.accessKey, secretAccessKey: config.secretKey },
        // The SDK's default CRC32 trailers (aws-chunked bodies) are not understood by every
        // S3-compatible server; checksums are sent only where the API requires one.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        // The SDK waits forever by default: a store that stops answering would hold requests.
        // Idle time, not total time: a 100 MB transfer to a slow client may rightly take long.
        // (S3_IDLE_TIMEOUT_MS; each of the SDK's three attempts waits it out.)
        requestHandler: { connectionTimeout: S3_CONNECT_TIMEOUT_MS, socketTimeout: config.idleTimeoutMs },
    });
    // files/unavailable.ts knows the store's errors by the SDK's `$metadata`, which the retry
    // step adds; a request it does not retry (a streamed upload) fails without it, a store that
    // stopped answering included: every error of this client gets the mark.
    client.middlewareStack.add(
        (next) => (args) =>
            next(args).catch((error: unknown) => {
                if (error && typeof error === 'object' && !('$metadata' in error)) Object.assign(error, { $metadata: {} });
                throw error;
            }),
        { step: 'initialize', name: 'markStoreErrors' },
    );
    const Bucket = config.bucket;
    const spooler = createSpooler(config.spoolDir);

    async function listAll(prefix: string): Promise<string[]> {
        const keys: string[] = [];
        let ContinuationToken: string | undefined;
        do {
            const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
            for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
            ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (ContinuationToken);
        return keys.sort();
    }

    return {
        kind: 's3',
        ...spooler,
        async init() {
            await spooler.prepare();
            try {
                await client.send(new HeadBucketCommand({ Bucket }), { abortSignal: AbortSignal.timeout(STARTUP_CHECK_MS) });
            } catch (error) {
                throw new ConfigError(`Invalid configuration:\n  ${startupProblem(config, error)}`);
            }
        },
        health: () =>
            client.send(new HeadBucketCommand({ Bucket }), { abortSignal: AbortSignal.timeout(HEALTH_CHECK_MS) }).then(() => true, () => false),
        async putFile(key, file, contentType) {
            try {
                await client.send(
                    new PutObjectCommand({ Bucket, Key: key, Body: createReadStream(file.path), ContentLength: file.size, ContentType: contentType }),
                );
            } finally {
                await rm(file.path, { force: true });
            }
        },
        async get(key) {
            try {
                const object = await client.send(new GetObjectCommand({ Bucket, Key: key }));
                return { body: object.Body as Readable, size: object.ContentLength ?? 0, etag: object.ETag ?? '' };
            } catch (error) {
                if (status(error) === 404) return null;
                throw error;
            }
        },
        async delete(key) {
            await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
        },
        async deletePrefix(prefix) {
            const keys = await listAll(prefix);
            // DeleteObjects takes at most 1000 keys per call.
            for (let i = 0; i < keys.length; i += 1000) {
                const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
                await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects, Quiet: true } }));
            }
        },
        list: listAll,
        async presignPost(key, maxBytes, ttlSeconds) {
            return createPresignedPost(client, {
                Bucket,
                Key: key,
                Conditions: [['content-length-range', 0, maxBytes]],
                Expires: ttlSeconds,
            });
        },
        presignGet(key, ttlSeconds) {
            return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: key }), { expiresIn: ttlSeconds });
        },
        async close() {
            client.destroy();
        },
    };
}

function status(error: unknown): number | undefined {
    return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** Names the variable to look at, as the other start-up checks do. */
function startupProblem(config: S3FilesConfig, error: unknown): string {
    const where = `bucket "${config.bucket}" at ${config.endpoint}`;
    const code = status(error);
    if (code === 404) return `S3_BUCKET: ${where} does not exist`;
    if (code === 403 || code === 401) return `S3_ACCESS_KEY / S3_SECRET_KEY: access to ${where} was refused`;
    const reason = error instanceof Error ? error.message || error.name : String(error);
    return `S3_HOST: ${where} is unreachable (${reason}); check S3_HOST, S3_PORT and S3_USE_SSL`;
}
