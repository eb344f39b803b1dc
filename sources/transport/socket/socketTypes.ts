import type { Server, Socket } from 'socket.io';

/** How a connection is routed (spec realtime.md §2.4). */
export type ConnectionScope =
    | { type: 'user-scoped' }
    | { type: 'session-scoped'; sessionId: string }
    | { type: 'machine-scoped'; machineId: string };

/**
 * Per-socket state; visible across nodes through fetchSockets(), and carried over to another node
 * by connection state recovery. Both travel as MessagePack, which turns an undefined field into
 * null: read optional fields with `??`, not `=== undefined`.
 */
export interface SocketData {
    userId: string;
    scope: ConnectionScope;
    /** The raw handshake value: only an explicit 'user-scoped' counts as a UI client. */
    clientType: string | undefined;
    happyClient: string | undefined;
    appState: 'active' | 'background' | undefined;
    /** RPC methods this socket registered, with when (ms): lets any node pick the newest target. */
    rpcMethods?: Array<[method: string, registeredAt: number]>;
    /** Set on sockets of the native WebSocket gateway (transport/native): counted per account, listed in stats. */
    native?: { connectionId: string; connectedAt: number };
}

export type AppServer = Server<Record<string, any>, Record<string, any>, Record<string, never>, SocketData>;
export type AppSocket = Socket<Record<string, any>, Record<string, any>, Record<string, never>, SocketData>;
