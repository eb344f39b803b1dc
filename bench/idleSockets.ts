import { connect, inParallel, loginNewAccount } from './clients.ts';
import type { ServerProcess } from './serverProcess.ts';
import { round } from './stats.ts';

export interface IdleSocketsResult {
    sockets: number;
    connectsPerSecond: number;
    serverRssBeforeMb: number;
    serverRssAfterMb: number;
    kbPerSocket: number;
}

/** Scenario 2: many authenticated, idle app sockets: memory per socket and connect rate. */
export async function runIdleSockets(server: ServerProcess, count: number, parallel = 200): Promise<IdleSocketsResult> {
    const token = await loginNewAccount(server.url);
    await connect(server.url, { token }).then((socket) => socket.disconnect()); // warm the token cache
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = await server.rssBytes();
    const started = performance.now();
    const sockets = await inParallel(count, parallel, () => connect(server.url, { token, clientType: 'user-scoped' }));
    const elapsedS = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await server.rssBytes();
    for (const socket of sockets) socket.disconnect();
    return {
        sockets: sockets.length,
        connectsPerSecond: round(sockets.length / elapsedS),
        serverRssBeforeMb: round(before / 1024 / 1024),
        serverRssAfterMb: round(after / 1024 / 1024),
        kbPerSocket: round((after - before) / 1024 / sockets.length, 2),
    };
}
