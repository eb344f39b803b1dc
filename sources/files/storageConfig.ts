import { join } from 'node:path';
import { z } from 'zod';

/**
 * Where blobs live (spec storage.md §3.1): S3 when S3_HOST is set, else `<DATA_DIR>/files`.
 * Upstream's variables, validated here (upstream passed them on unchecked, storage.md O5):
 * a bad value stops start-up naming the variable.
 */
export type FilesConfig = LocalFilesConfig | S3FilesConfig;

interface CommonFilesConfig {
    /** Uploads are streamed here before they are checked and stored; never served. */
    spoolDir: string;
    /**
     * PUBLIC_URL when the operator set it. Unset, attachment links use the address the client
     * itself called (its Host header), as upstream did; forwarded headers are not trusted.
     */
    linkBaseUrl: string | undefined;
}

export interface LocalFilesConfig extends CommonFilesConfig {
    kind: 'local';
    root: string;
}

export interface S3FilesConfig extends CommonFilesConfig {
    kind: 's3';
    endpoint: string;
    region: string;
    bucket: string;
    accessKey: string;
    secretKey: string;
    forcePathStyle: boolean;
    /** Base of public avatar URLs: `${publicUrl}/<key>`. */
    publicUrl: string;
    /** Silence on a connection to the store, mid-request or mid-response, before it is given up. */
    idleTimeoutMs: number;
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const lowerCase = (value: unknown) => (typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined);
const flag = z.preprocess(lowerCase, z.enum(['true', 'false'], { error: 'must be true or false' }).optional());
const text = z.preprocess(emptyAsUndefined, z.string().optional());

/** The S3_* variables, merged into config.ts's environment schema. */
export const s3EnvShape = {
    S3_HOST: z.preprocess(
        emptyAsUndefined,
        z
            .string()
            .regex(/^([A-Za-z0-9_-]+\.)*[A-Za-z0-9_-]+$|^\[[0-9A-Fa-f:.]+\]$/, 'must be a host name or IP address (no scheme, port or path: see S3_PORT and S3_USE_SSL)')
            .optional(),
    ),
    S3_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(65535).optional()),
    S3_USE_SSL: flag,
    S3_FORCE_PATH_STYLE: flag,
    S3_ACCESS_KEY: text,
    S3_SECRET_KEY: text,
    S3_BUCKET: z.preprocess(
        emptyAsUndefined,
        z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name (3-63 lower-case letters, digits, dots, hyphens)').optional(),
    ),
    S3_REGION: z.preprocess(emptyAsUndefined, z.string().default('us-east-1')),
    S3_PUBLIC_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
    S3_IDLE_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).max(3_600_000).default(30_000)),
};

type S3Env = z.output<z.ZodObject<typeof s3EnvShape>>;

/** Returns the files configuration, or the problems that stop start-up. */
export function filesConfig(env: S3Env, dataDir: string, publicUrl: string | undefined): FilesConfig | string[] {
    const common = { spoolDir: join(dataDir, 'incoming'), linkBaseUrl: publicUrl?.replace(/\/+$/, '') };
    if (!env.S3_HOST) return { kind: 'local', root: join(dataDir, 'files'), ...common };
    const { S3_HOST: host, S3_ACCESS_KEY: accessKey, S3_SECRET_KEY: secretKey, S3_BUCKET: bucket } = env;
    if (!accessKey || !secretKey || !bucket) {
        return Object.entries({ S3_ACCESS_KEY: accessKey, S3_SECRET_KEY: secretKey, S3_BUCKET: bucket })
            .filter(([, value]) => !value)
            .map(([name]) => `${name}: required when S3_HOST is set`);
    }
    // Upstream: SSL unless S3_USE_SSL is set to something other than "true".
    const scheme = env.S3_USE_SSL === 'false' ? 'http' : 'https';
    const port = env.S3_PORT === undefined ? '' : `:${env.S3_PORT}`;
    // Like upstream's MinIO client: virtual-hosted style on AWS, path style elsewhere (MinIO, R2,
    // Ceph and most self-hosted servers answer path style; many have no wildcard DNS).
    const forcePathStyle = env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === 'true' : !/(^|\.)amazonaws\.com$/i.test(host);
    const endpoint = `${scheme}://${host}${port}`;
    const bucketUrl = forcePathStyle ? `${endpoint}/${bucket}` : `${scheme}://${bucket}.${host}${port}`;
    return {
        kind: 's3',
        endpoint,
        region: env.S3_REGION,
        bucket,
        accessKey,
        secretKey,
        forcePathStyle,
        publicUrl: (env.S3_PUBLIC_URL ?? bucketUrl).replace(/\/+$/, ''),
        idleTimeoutMs: env.S3_IDLE_TIMEOUT_MS,
        ...common,
    };
}
