import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Socket as NetSocket } from 'node:net';
import pg from 'pg';
import { runIdleSockets, type IdleSocketsResult } from './idleSockets.ts';
import { pgliteInsertCeiling, postgresInsertCeiling } from './insertCeiling.ts';
import { runMessageThroughput, type ThroughputResult } from './messageThroughput.ts';
import { startServerProcess } from './serverProcess.ts';
import { round } from './stats.ts';

/**
 * `npm run bench`: message throughput and latency on embedded PGlite and on Postgres (when one
 * answers), next to the plain-insert ceiling of the same database; then idle-socket memory.
 * Prints a table and writes bench/results/<time>.json so runs can be compared.
 *
 * With Redis too, a multi-node run: two server processes on the same Postgres and Redis, the
 * senders on one node and the app on the other, so every message crosses nodes.
 *
 * Environment: BENCH_DURATION_MS (10000), BENCH_IDLE_SOCKETS (10000),
 * BENCH_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/test when reachable),
 * BENCH_REDIS_URL (redis://127.0.0.1:6379 when reachable).
 */

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const idleSockets = Number(process.env.BENCH_IDLE_SOCKETS ?? 10_000);
// Closed loop: the first two are the reference loads (latency-bound), the last one
// keeps enough in flight to find the server's ceiling on this machine.
const LOADS = [
    { senders: 20, inflight: 1 },
    { senders: 100, inflight: 2 },
    { senders: 100, inflight: 10 },
];

interface DatabaseRun {
    /** 'pglite', 'postgres', or 'postgres, 2 nodes' (senders on one node, the app on another). */
    database: string;
    insertCeilingPerSecond: number;
    runs: Array<ThroughputResult & { ratio: number }>;
}

async function main() {
    const results: { startedAt: string; durationMs: number; databases: DatabaseRun[]; idle?: IdleSocketsResult } = {
        startedAt: new Date().toISOString(),
        durationMs,
        databases: [],
    };

    results.databases.push(await benchDatabase('pglite', {}, () => pgliteInsertCeiling(durationMs)));
    const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
    if (await reachable(postgresUrl)) {
        const schema = `bench_${randomBytes(4).toString('hex')}`;
        await adminQuery(postgresUrl, `CREATE SCHEMA ${schema}`);
        try {
            const url = new URL(postgresUrl);
            url.searchParams.set('schema', schema);
            const env = { DATABASE_URL: url.toString() };
            const ceiling = () => postgresInsertCeiling(postgresUrl, durationMs);
            results.databases.push(await benchDatabase('postgres', env, ceiling));
            const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
            if (await reachable(redisUrl.replace(/^redis/, 'tcp'), 6379)) {
                results.databases.push(await benchDatabase('postgres, 2 nodes', { ...env, REDIS_URL: redisUrl }, ceiling, 2));
            } else {
                console.log(`(no Redis at ${redisUrl}; skipping the multi-node run)`);
            }
        } finally {
            await adminQuery(postgresUrl, `DROP SCHEMA ${schema} CASCADE`);
        }
    } else {
        console.log(`(no Postgres at ${postgresUrl}; skipping the Postgres runs)`);
    }

    if (idleSockets > 0) {
        const server = await startServerProcess({ PGLITE_DIR: 'memory://' });
        try {
            results.idle = await runIdleSockets(server, idleSockets);
        } finally {
            await server.stop();
        }
    }

    printTables(results.databases, results.idle);
    const file = `bench/results/${results.startedAt.replace(/[:.]/g, '-')}.json`;
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote ${file}`);
}

async function benchDatabase(
    database: string,
    env: Record<string, string>,
    ceiling: () => Promise<number>,
    nodes = 1,
): Promise<DatabaseRun> {
    const runs: ThroughputResult[] = [];
    for (const load of LOADS) {
        // Fresh servers per load, so one run's backlog cannot spill into the next.
        const servers = [];
        for (let i = 0; i < nodes; i++) servers.push(await startServerProcess(env));
        try {
            const [senders, app] = [servers[0]!, servers[nodes - 1]!];
            runs.push(await runMessageThroughput(senders, { ...load, appServer: app, durationMs, warmupMs: 1_000 }));
        } finally {
            for (const server of servers) await server.stop();
        }
    }
    const insertCeilingPerSecond = await ceiling();
    return {
        database,
        insertCeilingPerSecond,
        runs: runs.map((run) => ({ ...run, ratio: round(run.messagesPerSecond / insertCeilingPerSecond, 2) })),
    };
}

function printTables(databases: DatabaseRun[], idle?: IdleSocketsResult) {
    console.log('\nmessage throughput (session sockets -> app socket, 256-byte messages)');
    console.table(
        databases.flatMap((db) =>
            db.runs.map((run) => ({
                database: db.database,
                senders: run.senders,
                inflight: run.inflight,
                'msg/s': run.messagesPerSecond,
                'p50 ms': run.p50Ms,
                'p90 ms': run.p90Ms,
                'p99 ms': run.p99Ms,
                lost: run.lost,
                'server RSS MB': run.serverRssMb,
                'insert ceiling/s': db.insertCeilingPerSecond,
                ratio: run.ratio,
            })),
        ),
    );
    if (idle) {
        console.log('\nidle authenticated sockets');
        console.table([idle]);
    }
}

async function reachable(url: string, defaultPort = 5432): Promise<boolean> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve) => {
        const socket = new NetSocket();
        socket.setTimeout(1000);
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
        socket.once('timeout', () => (socket.destroy(), resolve(false)));
        socket.connect(Number(port || defaultPort), hostname);
    });
}

async function adminQuery(url: string, sql: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(sql);
    await client.end();
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
