import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { request } from './http.ts';
import { createTestDatabase, usesPostgres } from './testDatabase.ts';
import { startTestServer, type TestServer } from './testServer.ts';
import { waitFor } from './waitFor.ts';

export const testRedisUrl = process.env.TEST_REDIS_URL;

/**
 * Nodes of a cluster share one database, which embedded PGlite (one process) cannot be: the
 * multi-node tests run in the `postgres` project, and only where Redis is available.
 */
export const skipClusterTests = !testRedisUrl || !usesPostgres();

export interface TestCluster {
    /** The running nodes, in start order. */
    readonly nodes: TestServer[];
    /** Starts one more node; `redisUrl` reaches Redis another way (through a TcpProxy). */
    addNode(options?: { redisUrl?: string }): Promise<TestServer>;
    /** Stops a node the way a deploy does (its sockets are closed, its Redis connections too). */
    stopNode(node: TestServer): Promise<void>;
    /** Waits until every node is ready and counts every other one as a peer. */
    formed(): Promise<void>;
    /** Stops every node, drops the database and deletes this cluster's Redis keys. */
    dispose(): Promise<void>;
}

/**
 * Starts `size` server nodes in this process on one Postgres schema and the test Redis; `env`
 * (called per node) adds variables, the URLs of third-party stand-ins say.
 */
export async function startTestCluster(size: number, options: { env?: () => Record<string, string> } = {}): Promise<TestCluster> {
    if (!testRedisUrl) throw new Error('startTestCluster needs TEST_REDIS_URL');
    const redisUrl = testRedisUrl;
    const database = await createTestDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), 'happy-cluster-'));
    // Stream name and key prefix of this cluster alone: test files run in parallel on one Redis.
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    const nodes: TestServer[] = [];
    const extraEnv = options.env;

    const addNode = async (options: { redisUrl?: string } = {}) => {
        const node = await startTestServer({
            reuse: { database, dataDir },
            env: { ...extraEnv?.(), REDIS_URL: options.redisUrl ?? redisUrl },
            clusterPrefix: prefix,
        });
        nodes.push(node);
        return node;
    };
    const cluster: TestCluster = {
        nodes,
        addNode,
        async stopNode(node) {
            nodes.splice(nodes.indexOf(node), 1);
            await node.stop();
        },
        async formed() {
            for (const node of nodes) {
                await waitFor('a ready node', async () => (await request(node.url, 'GET', '/ready')).status === 200);
                const adapter = node.deps.io.of('/').adapter;
                await waitFor(`${nodes.length} nodes`, async () => (await adapter.serverCount()) === nodes.length);
            }
        },
        async dispose() {
            await Promise.all(nodes.splice(0).map((node) => node.stop()));
            await database.drop();
            await rm(dataDir, { recursive: true, force: true });
            await deleteKeys(redisUrl, prefix);
        },
    };
    // The first node applies the migrations; the others then find them done.
    await addNode();
    await Promise.all(Array.from({ length: size - 1 }, () => addNode()));
    await cluster.formed();
    return cluster;
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
    const redis = new Redis(url);
    try {
        const keys = [prefix];
        for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) keys.push(...(batch as string[]));
        await redis.del(...keys);
    } finally {
        redis.disconnect();
    }
}
