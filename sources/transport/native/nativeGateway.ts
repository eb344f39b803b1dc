import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Deps } from '../../deps.ts';
import { accountSockets } from '../../events/accountSockets.ts';
import { countSocketLimited } from '../socket/socketLimits.ts';
import { authenticateUpgrade } from './nativeAuth.ts';
import { CLOSE, NativeConnection, type ConnectionHost } from './nativeConnection.ts';

export interface NativeGateway {
    /** An upgrade of a native path without Engine.IO's `EIO` query (upgradeRouter.ts). */
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
    /** Closes every native socket (1001) before Socket.IO and the HTTP server close. */
    close(): void;
}

/** Socket.IO's maxHttpBufferSize: a daemon's RPC answer may carry a large file either way. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/**
 * Sockets without credentials yet, on this node: each holds little (a deadline, a short queue),
 * but nothing ties them to an account, so their number is capped on its own.
 */
const MAX_PENDING_AUTH = 1_000;

/**
 * The native WebSocket endpoint (spec workers.md §1): authenticates the upgrade, enforces the
 * per-account limit, and turns each accepted socket into a NativeConnection, which Socket.IO then
 * serves like any of its own sockets (engineBridge.ts).
 */
export function createNativeGateway(deps: Deps): NativeGateway {
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
    const connections = new Set<NativeConnection>();
    let closing = false;
    const { maxConnectionsPerAccount } = deps.config.nativeWs;

    /**
     * Native sockets of the account over the cluster (fetchSockets reaches every node), plus this
     * node's connections not yet in Socket.IO. Concurrent upgrades can each see the same count,
     * so a burst may pass the limit by a few; a failed lookup counts this node only (fails open).
     */
    const openCount = async (userId: string, except?: NativeConnection) => {
        const local = [...connections].filter((connection) => connection.userId === userId && connection !== except);
        const localIds = new Set<string>(local.map((connection) => connection.connectionId));
        const sockets = await accountSockets(deps.io, userId).catch(() => []);
        return local.length + sockets.filter((socket) => socket.data.native && !localIds.has(socket.data.native.connectionId)).length;
    };

    /** Whether one more connection of the account fits; a refusal is counted in the metrics. */
    const fits = async (userId: string, asking?: NativeConnection) => {
        if ((await openCount(userId, asking)) < maxConnectionsPerAccount) return true;
        countSocketLimited(deps.metrics, 'connection_limit', 'native');
        return false;
    };

    const host: ConnectionHost = {
        deps,
        admits: fits,
        closed: (connection) => connections.delete(connection),
    };

    const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (request.headers.upgrade?.toLowerCase() !== 'websocket') return refuse(socket, 426, 'Expected WebSocket upgrade');
        const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
        const auth = await authenticateUpgrade(deps, request, query);
        if (!auth.ok) return refuse(socket, auth.status, auth.message);
        if (auth.identity) {
            if (!(await fits(auth.identity.userId))) return refuse(socket, 429, 'Connection limit exceeded');
        } else if ([...connections].filter((connection) => connection.pendingAuth).length >= MAX_PENDING_AUTH) {
            return refuse(socket, 503, 'Too many connections awaiting authentication');
        }
        if (socket.destroyed) return;
        // The checks above are asynchronous: shutdown may have begun meanwhile.
        if (closing) return refuse(socket, 503, 'Server shutting down');
        wss.handleUpgrade(request, socket, head, (ws) => {
            connections.add(new NativeConnection(ws, request, host, auth.identity));
        });
    };

    return {
        handleUpgrade(request, socket, head) {
            // The checks are asynchronous: a client that resets meanwhile must not crash the process.
            socket.on('error', () => {});
            upgrade(request, socket, head).catch((error: unknown) => {
                deps.log.error({ err: error }, 'native websocket upgrade failed');
                refuse(socket, 500, 'Internal error');
            });
        },
        close() {
            closing = true;
            for (const connection of connections) connection.close(CLOSE.goingAway, 'Server shutting down');
            wss.close();
        },
    };
}

/** Upgrade failures are HTTP responses with a plain-text reason (§0.6), then the socket closes. */
function refuse(socket: Duplex, status: number, message: string): void {
    if (!socket.writable) return void socket.destroy();
    const body = Buffer.from(message);
    socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
            'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
            `Content-Length: ${body.length}\r\n\r\n${message}`,
    );
}
