import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll } from 'vitest';
import type { TestServerOptions } from './testServer.ts';
import { useTestServer, type TestServerHandle } from './useTestServer.ts';

/** The two blob stores every files test runs against. */
export const STORES = ['local', 's3'] as const;
export type StoreKind = (typeof STORES)[number];

export const TEST_BUCKET = 'happy-test';

export interface S3TestServer {
    /** The S3_* variables that point a server at it, path style over plain HTTP. */
    env: Record<string, string>;
    close(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver, from npm) on an ephemeral port with a bucket of its own
 * in a temporary directory: the server under test speaks to it over HTTP with the AWS SDK.
 */
export async function startS3Server(): Promise<S3TestServer> {
    const directory = await mkdtemp(join(tmpdir(), 'happy-s3-'));
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: TEST_BUCKET }] });
    const { port } = await s3.run();
    return {
        env: {
            S3_HOST: '127.0.0.1',
            S3_PORT: String(port),
            S3_USE_SSL: 'false',
            S3_ACCESS_KEY: 'S3RVER',
            S3_SECRET_KEY: 'S3RVER',
            S3_BUCKET: TEST_BUCKET,
            S3_PUBLIC_URL: `http://127.0.0.1:${port}/${TEST_BUCKET}`,
        },
        async close() {
            await s3.close();
            await rm(directory, { recursive: true, force: true });
        },
    };
}

/**
 * useTestServer on `store`: for 's3' an s3rver is started before the server and stopped after
 * it (hooks run in registration order, after-hooks in reverse).
 */
export function useStoreServer(store: StoreKind, options: TestServerOptions = {}): TestServerHandle {
    const env: Record<string, string> = { ...options.env };
    if (store === 's3') {
        let s3: S3TestServer | undefined;
        beforeAll(async () => {
            s3 = await startS3Server();
            Object.assign(env, s3.env);
        });
        afterAll(async () => {
            await s3?.close();
        });
    }
    return useTestServer({ ...options, env });
}
