import type { FanOutResult } from './fanOut.ts';
import type { ThroughputResult } from './messageThroughput.ts';
import type { BenchResults, MessageRun } from './run.ts';

/** The tables `npm run bench` prints; the JSON file holds the same numbers and more. */
export function printTables(results: BenchResults): void {
    const { relay, databases, idle } = results;
    if (relay.messages.length > 0) {
        console.log('\nmessages: session sockets -> app socket, 256-byte messages, closed loop; CPU = server + database');
        console.table([
            ...relay.messages.map((run) => messageRow('bare relay', run)),
            ...databases.flatMap((db) =>
                db.messages.map((run: MessageRun) => ({
                    ...messageRow(db.database, run),
                    'x relay msg/s': run.relayRatio,
                    'x relay CPU': run.relayCpuRatio,
                    'insert ceiling/s': db.insertCeilingPerSecond,
                    'x ceiling': run.ratio,
                })),
            ),
        ]);
    }
    for (const db of databases) {
        for (const run of db.messages) {
            if (!run.hotFunctions) continue;
            console.log(`\nwhere the server spent its CPU: ${db.database}, ${run.senders} x ${run.inflight} (self time, measured window)`);
            console.table(run.hotFunctions);
        }
    }
    if (relay.fanOut.length > 0) {
        console.log('\nfan-out: one session socket -> N app sockets of the account; latency to the last one');
        console.table([
            ...relay.fanOut.map((run) => fanOutRow('bare relay', run)),
            ...databases.flatMap((db) => db.fanOut.map((run) => fanOutRow(db.database, run))),
        ]);
    }
    const heartbeats = databases.filter((db) => db.heartbeats);
    if (heartbeats.length > 0) {
        console.log('\npresence: 100 accounts x (50 sessions beating every 2 s + 50 daemons every 20 s + 1 app)');
        console.table(heartbeats.map((db) => ({ database: db.database, ...db.heartbeats })));
    }
    const writes = databases.flatMap((db) => db.writes.map((run) => ({ database: db.database, ...run })));
    if (writes.length > 0) {
        console.log('\ncompare-and-set writes: 20 session sockets, one write in flight each');
        console.table(writes);
    }
    const history = databases.flatMap((db) => db.history.map((run) => ({ database: db.database, ...run })));
    if (history.length > 0) {
        console.log('\nreading a session of 100,000 messages (one request at a time, 100 per page)');
        console.table(history);
    }
    if (idle) {
        console.log('\nidle authenticated sockets');
        console.table([idle]);
    }
}

function messageRow(database: string, run: ThroughputResult) {
    return {
        database,
        senders: run.senders,
        inflight: run.inflight,
        'msg/s': run.messagesPerSecond,
        'p50 ms': run.p50Ms,
        'p99 ms': run.p99Ms,
        'CPU us/msg': run.cpuMicrosPerMessage,
        'of it db': run.databaseCpuMicrosPerMessage,
        lost: run.lost,
        'RSS MB': run.serverRssMb,
    };
}

function fanOutRow(database: string, run: FanOutResult) {
    return {
        database,
        receivers: run.receivers,
        inflight: run.inflight,
        'msg/s': run.messagesPerSecond,
        'deliveries/s': run.deliveriesPerSecond,
        'p50 ms': run.p50Ms,
        'p99 ms': run.p99Ms,
        'CPU us/delivery': run.cpuMicrosPerDelivery,
    };
}
