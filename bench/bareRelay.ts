import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createEventRouter } from '../sources/events/eventRouter.ts';
import { rooms } from '../sources/events/rooms.ts';
import { createLogger } from '../sources/monitoring/log.ts';
import { newId } from '../sources/storage/ids.ts';
import { createSocketServer } from '../sources/transport/socket/socketServer.ts';
import type { AppSocket } from '../sources/transport/socket/socketTypes.ts';

/**
 * The yardstick of the message benchmark: what carrying a message costs with no database at
 * all. Socket.IO with the server's own options (createSocketServer, recovery window included)
 * and its EventRouter relays socket `message` events as `new-message` updates of the same shape
 * to the same rooms, sender excluded; seqs come from counters in memory. The two REST routes the
 * bench client calls first answer without checking anything. Run as a child process by
 * bench/serverProcess.ts; prints the same `ready` log line as the server.
 */

const RECOVERY_MS = 120_000;

const io = createSocketServer(undefined, RECOVERY_MS);
const events = createEventRouter(io, createLogger('error'));
const sessionSeqs = new Map<string, number>();
const userSeqs = new Map<string, number>();
const next = (counters: Map<string, number>, key: string) => {
    const value = (counters.get(key) ?? 0) + 1;
    counters.set(key, value);
    return value;
};

const http = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
        const body =
            request.url === '/v1/auth'
                ? { success: true, token: `user-${randomBytes(8).toString('hex')}` }
                : { session: { id: newId() } };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
});

io.attach(http);
io.use((socket: AppSocket, accept) => {
    const auth = socket.handshake.auth as Record<string, string>;
    const scope =
        auth.clientType === 'session-scoped'
            ? ({ type: 'session-scoped', sessionId: auth.sessionId! } as const)
            : ({ type: 'user-scoped' } as const);
    socket.data = { userId: auth.token!, scope, clientType: auth.clientType, happyClient: undefined, appState: undefined };
    accept();
});
io.on('connection', (socket: AppSocket) => {
    const { userId, scope } = socket.data;
    socket.join([rooms.user(userId), scope.type === 'session-scoped' ? rooms.session(userId, scope.sessionId) : rooms.userScoped(userId)]);
    socket.on('message', (payload: { sid: string; message: string; localId?: string }) => {
        const now = Date.now();
        events.reserveUpdate(userId, next(userSeqs, userId)).send({
            filter: { type: 'all-interested-in-session', sessionId: payload.sid },
            skipSocketId: socket.id,
            body: {
                t: 'new-message',
                sid: payload.sid,
                message: {
                    id: newId(),
                    seq: next(sessionSeqs, payload.sid),
                    content: { t: 'encrypted', c: payload.message },
                    localId: payload.localId ?? null,
                    createdAt: now,
                    updatedAt: now,
                },
            },
        });
    });
});

http.listen(0, '127.0.0.1', () => {
    const address = http.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    console.log(JSON.stringify({ msg: 'ready', port }));
});
process.on('SIGTERM', () => {
    io.close();
    process.exit(0);
});
