import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Socket as NetSocket } from 'node:net';
import pg from 'pg';
import { cpuMeter, type CpuMeter } from './cpu.ts';
import type { HotFunction } from './cpuProfile.ts';
import { runFanOut, type FanOutResult } from './fanOut.ts';
import { runHeartbeats, type HeartbeatResult } from './heartbeats.ts';
import { runIdleSockets, type IdleSocketsResult } from './idleSockets.ts';
import { pgliteInsertCeiling, postgresInsertCeiling } from './insertCeiling.ts';
import { runMessageHistory, type HistoryResult } from './messageHistory.ts';
import { runMessageThroughput, type ThroughputResult } from './messageThroughput.ts';
import { printTables } from './report.ts';
import { startServerProcess, type ServerProcess, type ServerProcessOptions } from './serverProcess.ts';
import { round } from './stats.ts';
import { runVersionedWrites, type VersionedWriteResult } from './versionedWrites.ts';

/**
 * `npm run bench`. The real server runs as child processes on embedded PGlite and on Postgres
 * (when one answers), driven by real Socket.IO and HTTP clients:
 * - messages: throughput, latency and CPU per message (server plus database), each load next to
 *   a bare Socket.IO relay driven the same way (bench/bareRelay.ts, the cost of carrying a
 *   message with no database) and to the plain-insert ceiling of the database; with Redis, once
 *   more with two nodes and every message crossing them;
 * - fan-out to 100 and 1,000 app sockets of one account, next to the relay;
 * - presence: 10,000 heartbeating session and daemon sockets;
 * - the CLI's compare-and-set writes (update-metadata, update-state);
 * - reading a session of 100,000 messages;
 * - memory per idle socket.
 * Prints tables and writes bench/results/<time>.json so runs can be compared.
 *
 * Environment: BENCH_DURATION_MS (10000) per measurement; BENCH_SCENARIOS (all of
 * messages,fanout,heartbeats,writes,history,idle); BENCH_DATABASES (pglite,postgres,cluster);
 * BENCH_LOADS (20x1,100x2,100x10: senders x messages in flight); BENCH_IDLE_SOCKETS (10000);
 * BENCH_CPU_PROFILE=1 profiles the message runs and prints the server's hottest functions;
 * BENCH_SERVER_DIR runs the server from another checkout (to measure an older version with this
 * bench; the relay always runs from here);
 * BENCH_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/test), BENCH_REDIS_URL
 * (redis://127.0.0.1:6379).
 */

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const idleSockets = Number(process.env.BENCH_IDLE_SOCKETS ?? 10_000);
const cpuProfile = process.env.BENCH_CPU_PROFILE === '1';
const list = (value: string | undefined, all: string) => new Set((value ?? all).split(','));
const SCENARIOS = list(process.env.BENCH_SCENARIOS, 'messages,fanout,heartbeats,writes,history,idle');
const DATABASES = list(process.env.BENCH_DATABASES, 'pglite,postgres,cluster');
// Closed loop: the first two are the reference loads (latency-bound), the last one keeps enough
// in flight to find the server's ceiling on this machine.
const LOADS = [...list(process.env.BENCH_LOADS, '20x1,100x2,100x10')].map((load) => {
    const [senders, inflight] = load.split('x').map(Number);
    return { senders: senders!, inflight: inflight! };
});
const FAN_OUT = [
    { receivers: 100, inflight: 4 },
    { receivers: 1000, inflight: 2 },
];
const RELAY = { script: ['bench/bareRelay.ts'] };
const SERVER = { cwd: process.env.BENCH_SERVER_DIR };
const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export type MessageRun = ThroughputResult & { ratio: number; relayRatio: number; relayCpuRatio: number; hotFunctions?: HotFunction[] };

export interface DatabaseRun {
    /** 'pglite', 'postgres', or 'postgres, 2 nodes' (senders on one node, the app on another). */
    database: string;
    insertCeilingPerSecond?: number;
    /** `ratio`: throughput over the insert ceiling; `relayRatio` / `relayCpuRatio`: over the bare relay's. */
    messages: MessageRun[];
    fanOut: FanOutResult[];
    heartbeats?: HeartbeatResult;
    writes: VersionedWriteResult[];
    history: HistoryResult[];
}

export interface BenchResults {
    startedAt: string;
    durationMs: number;
    relay: { messages: ThroughputResult[]; fanOut: FanOutResult[] };
    databases: DatabaseRun[];
    idle?: IdleSocketsResult;
}

async function main() {
    const results: BenchResults = {
        startedAt: new Date().toISOString(),
        durationMs,
        relay: { messages: [], fanOut: [] },
        databases: [],
    };
    for (const load of SCENARIOS.has('messages') ? LOADS : []) {
        results.relay.messages.push(
            await withServers({}, 1, RELAY, ([relay], cpu) => runMessageThroughput(relay!, { ...load, durationMs, warmupMs: 1_000, cpu })),
        );
    }
    for (const load of SCENARIOS.has('fanout') ? FAN_OUT : []) {
        results.relay.fanOut.push(
            await withServers({}, 1, RELAY, ([relay], cpu) => runFanOut(relay!, { ...load, durationMs, warmupMs: 1_000, cpu })),
        );
    }

    const bench = async (database: string, env: Record<string, string>, ceiling: () => Promise<number>, nodes = 1) => {
        const run = await benchDatabase(database, env, nodes);
        if (run.messages.length > 0) {
            const insertCeilingPerSecond = await ceiling();
            run.insertCeilingPerSecond = insertCeilingPerSecond;
            for (const message of run.messages) {
                const relay = results.relay.messages.find((r) => r.senders === message.senders && r.inflight === message.inflight)!;
                message.ratio = round(message.messagesPerSecond / insertCeilingPerSecond, 2);
                message.relayRatio = round(message.messagesPerSecond / relay.messagesPerSecond, 2);
                message.relayCpuRatio = round(message.cpuMicrosPerMessage / relay.cpuMicrosPerMessage, 2);
            }
        }
        results.databases.push(run);
    };
    if (DATABASES.has('pglite')) await bench('pglite', {}, () => pgliteInsertCeiling(durationMs));
    if (DATABASES.has('postgres') || DATABASES.has('cluster')) await withPostgres(bench);

    if (SCENARIOS.has('idle') && idleSockets > 0) {
        results.idle = await withServers({ PGLITE_DIR: 'memory://' }, 1, SERVER, ([server]) => runIdleSockets(server!, idleSockets));
    }

    printTables(results);
    const file = `bench/results/${results.startedAt.replace(/[:.]/g, '-')}.json`;
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote ${file}`);
}

type Bench = (database: string, env: Record<string, string>, ceiling: () => Promise<number>, nodes?: number) => Promise<void>;

/** The Postgres runs, in a schema of their own: one node, then (messages only) two nodes over Redis. */
async function withPostgres(bench: Bench) {
    if (!(await reachable(postgresUrl))) {
        console.log(`(no Postgres at ${postgresUrl}; skipping the Postgres runs)`);
        return;
    }
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    await adminQuery(postgresUrl, `CREATE SCHEMA ${schema}`);
    try {
        const url = new URL(postgresUrl);
        url.searchParams.set('schema', schema);
        const env = { DATABASE_URL: url.toString() };
        const ceiling = () => postgresInsertCeiling(postgresUrl, durationMs);
        if (DATABASES.has('postgres')) await bench('postgres', env, ceiling);
        if (!DATABASES.has('cluster') || !SCENARIOS.has('messages')) return;
        const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
        if (await reachable(redisUrl.replace(/^redis/, 'tcp'), 6379)) {
            await bench('postgres, 2 nodes', { ...env, REDIS_URL: redisUrl }, ceiling, 2);
        } else {
            console.log(`(no Redis at ${redisUrl}; skipping the multi-node run)`);
        }
    } finally {
        await adminQuery(postgresUrl, `DROP SCHEMA ${schema} CASCADE`);
    }
}

async function benchDatabase(database: string, env: Record<string, string>, nodes: number): Promise<DatabaseRun> {
    const run: DatabaseRun = { database, messages: [], fanOut: [], writes: [], history: [] };
    for (const load of SCENARIOS.has('messages') ? LOADS : []) {
        if (env.DATABASE_URL) await emptyDatabase(env.DATABASE_URL);
        // Fresh servers per load, so one run's backlog cannot spill into the next.
        run.messages.push(
            await withServers(env, nodes, { ...SERVER, cpuProfile }, async ([senders, app], cpu, stop) => {
                const databaseCpu = env.DATABASE_URL ? cpuMeter(() => [], true) : undefined;
                const settings = { ...load, appServer: app ?? senders, durationMs, warmupMs: 1_000, cpu, databaseCpu };
                const result = await runMessageThroughput(senders!, settings);
                const hotFunctions = await stop(result.window);
                return { ...result, hotFunctions, ratio: 0, relayRatio: 0, relayCpuRatio: 0 };
            }),
        );
    }
    if (nodes > 1) return run;
    for (const load of SCENARIOS.has('fanout') ? FAN_OUT : []) {
        run.fanOut.push(await withServers(env, 1, SERVER, ([server], cpu) => runFanOut(server!, { ...load, durationMs, warmupMs: 1_000, cpu })));
    }
    if (SCENARIOS.has('heartbeats')) {
        run.heartbeats = await withServers(env, 1, SERVER, ([server], cpu) =>
            runHeartbeats(server!, { accounts: 100, perAccount: 50, durationMs, cpu }),
        );
    }
    for (const event of SCENARIOS.has('writes') ? (['update-metadata', 'update-state'] as const) : []) {
        run.writes.push(await withServers(env, 1, SERVER, ([server], cpu) => runVersionedWrites(server!, { event, writers: 20, durationMs, cpu })));
    }
    if (SCENARIOS.has('history')) run.history = await withServers(env, 1, SERVER, ([server]) => runMessageHistory(server!, 100_000));
    return run;
}

/**
 * Starts `nodes` server processes (or `options.script`), runs `scenario` against them with a
 * meter of the CPU they and a local Postgres use, and stops them; `stop` lets the scenario stop
 * them itself to read its CPU profile.
 */
async function withServers<T>(
    env: Record<string, string>,
    nodes: number,
    options: ServerProcessOptions,
    scenario: (
        servers: ServerProcess[],
        cpu: CpuMeter,
        stop: (window?: { fromMicros: number; toMicros: number }) => Promise<HotFunction[] | undefined>,
    ) => Promise<T>,
): Promise<T> {
    const servers: ServerProcess[] = [];
    let stopped = false;
    const stop = async (window?: { fromMicros: number; toMicros: number }) => {
        stopped = true;
        const [hot] = await Promise.all(servers.map((server) => server.stop(window)));
        return hot;
    };
    try {
        // Every scenario opens all its sockets (up to 10 000 idle ones) in one account: the
        // per-account socket limit is lifted; every other abuse limit keeps its default.
        const serverEnv = { SOCKET_MAX_CONNECTIONS_PER_ACCOUNT: '1000000', ...env };
        for (let i = 0; i < nodes; i++) servers.push(await startServerProcess(serverEnv, options));
        // PGlite runs inside the server process; a Postgres server's processes are counted too.
        const cpu = cpuMeter(() => servers.map((server) => server.pid), Boolean(env.DATABASE_URL));
        return await scenario(servers, cpu, stop);
    } finally {
        if (!stopped) await stop();
    }
}

/**
 * Each Postgres run starts from empty tables with no dirty pages left by the run before: rows
 * piling up run after run bring autovacuum into later runs, and a checkpoint flushing the
 * previous run's pages in the middle of one slows every commit down.
 */
async function emptyDatabase(databaseUrl: string) {
    const schema = new URL(databaseUrl).searchParams.get('schema') ?? 'public';
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
        const { rows } = await client.query<{ name: string }>(
            `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables
             WHERE schemaname = $1 AND tablename <> '_prisma_migrations'`,
            [schema],
        );
        if (rows.length > 0) await client.query(`TRUNCATE ${rows.map((row) => row.name).join(', ')} CASCADE`);
        await client.query('CHECKPOINT');
    } finally {
        await client.end();
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
