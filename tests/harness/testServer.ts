import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../sources/config.ts';
import { createDeps, type Deps } from '../../sources/deps.ts';
import { createLogger, type Logger } from '../../sources/monitoring/log.ts';
import { createServer, type Server } from '../../sources/server.ts';
import { createTestDatabase, type TestDatabase } from './testDatabase.ts';

export const DEV_MASTER_SECRET = 'your-super-secret-key-for-local-development';

export interface TestServer {
    url: string;
    deps: Deps;
    server: Server;
    /** Stops the server and closes its database; the data itself stays until `dispose`. */
    stop(): Promise<void>;
    /** Stops if still running and deletes the database and data directory. */
    dispose(): Promise<void>;
}

export interface TestServerOptions {
    /**
     * Extra environment for loadConfig (e.g. HANDY_MASTER_SECRET: '' to exercise the embedded
     * default); a function is called at start, when the URLs of stand-ins are known.
     */
    env?: Record<string, string> | (() => Record<string, string>);
    /** Reuse the data of a stopped server (restart tests). */
    reuse?: { database: TestDatabase; dataDir: string };
    /** Keep PGlite on disk instead of in memory. */
    persistent?: boolean;
    /** Redis names of the cluster this node joins (with REDIS_URL in `env`); see testCluster.ts. */
    clusterPrefix?: string;
    /** The server's logger (a test capturing its lines); else TEST_LOG_FILE / TEST_LOG_LEVEL decide. */
    log?: Logger;
}

/** Starts the production server (same createDeps/createServer as main.ts) on an ephemeral port. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer & { database: TestDatabase; dataDir: string }> {
    const dataDir = options.reuse?.dataDir ?? (await mkdtemp(join(tmpdir(), 'happy-test-')));
    const database =
        options.reuse?.database ?? (await createTestDatabase(options.persistent ? join(dataDir, 'pglite') : 'memory://'));
    const config = loadConfig({
        HANDY_MASTER_SECRET: DEV_MASTER_SECRET,
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        // A suite logs in far more accounts per minute from one address than any real network
        // does; the login limit itself is tested with its own setting (rateLimits.test.ts).
        RATE_LIMIT_AUTH_PER_MINUTE: '100000',
        ...database.env,
        ...(typeof options.env === 'function' ? options.env() : options.env),
    });
    const deps = await createDeps(config, { clusterPrefix: options.clusterPrefix, log: options.log ?? suiteLog() });
    const server = await createServer(deps);
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const address = server.app.server.address();
    if (!address || typeof address === 'string') throw new Error('server did not bind a TCP port');

    let running = true;
    const stop = async () => {
        if (!running) return;
        running = false;
        await server.close();
        await deps.close();
    };
    return {
        url: `http://127.0.0.1:${address.port}`,
        deps,
        server,
        database,
        dataDir,
        stop,
        async dispose() {
            await stop();
            await database.drop();
            await rm(dataDir, { recursive: true, force: true });
        },
    };
}

/**
 * TEST_LOG_FILE=<path>: every test server of the run appends its lines (all levels) to that
 * file, so a whole suite's logs can be searched for secrets (tests/harness/logScan.ts).
 */
function suiteLog(): Logger | undefined {
    const file = process.env.TEST_LOG_FILE;
    if (!file) return undefined;
    return createLogger('trace', { destination: pino.destination({ dest: file, append: true, sync: true }) });
}
