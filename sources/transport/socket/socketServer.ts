import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import type { Deps } from '../../deps.ts';
import { rooms } from '../../events/rooms.ts';
import { instrumentSocket } from '../../monitoring/socketMetrics.ts';
import { registerForwarding } from '../native/forwarding.ts';
import { registerAccessKeyHandlers } from './handlers/accessKeyHandlers.ts';
import { registerArtifactHandlers } from './handlers/artifactHandlers.ts';
import { registerBroadcastHandlers } from './handlers/broadcastHandlers.ts';
import { registerMachineHandlers } from './handlers/machineHandlers.ts';
import { registerPingHandlers } from './handlers/pingHandlers.ts';
import { registerRpcHandlers } from './handlers/rpcHandlers.ts';
import { registerSessionHandlers } from './handlers/sessionHandlers.ts';
import { registerSyncHandlers } from './handlers/syncHandlers.ts';
import { registerUsageHandlers } from './handlers/usageHandlers.ts';
import { withContract } from './socketAction.ts';
import { createSocketAuth } from './socketAuth.ts';
import { createConnectionLimit, limitSocketEvents } from './socketLimits.ts';
import type { AppServer, AppSocket } from './socketTypes.ts';

/**
 * The Socket.IO server with upstream's options (spec realtime.md §1.1). It is created with the
 * deps (so actions can emit through it) and attached to the HTTP server by createServer.
 * `adapter`: the cluster's (Redis streams) with several nodes, Socket.IO's in-memory one alone.
 */
export function createSocketServer(adapter: ServerOptions['adapter'] | undefined, recoveryMs: number): AppServer {
    return new Server({
        ...(adapter && { adapter }),
        path: '/v1/updates',
        transports: ['websocket', 'polling'],
        pingInterval: 15_000,
        pingTimeout: 45_000,
        upgradeTimeout: 10_000,
        connectTimeout: 20_000,
        serveClient: false,
        // Upstream kept the 1 MB default, which closes a daemon's connection when it answers an
        // RPC with a large file; 16 MiB is strictly more permissive.
        maxHttpBufferSize: 16 * 1024 * 1024,
        // A reflected origin instead of '*': browsers refuse '*' together with credentials.
        cors: { origin: true, methods: ['GET', 'POST', 'OPTIONS'], credentials: true, allowedHeaders: ['*'] },
        // Off upstream (spec §1.1). A socket that reconnects within the window, to this node or
        // (through the Redis stream) another, gets its id, rooms, data and the broadcasts it
        // missed back, with no client change: socket.io-client resends its session id and last
        // offset by itself. The middleware is skipped for it: its identity was checked on the
        // first connect, tokens cannot be revoked, and the session id is a secret of the client.
        // The window is CONNECTION_RECOVERY_SECONDS (2 minutes by default): on one node Socket.IO
        // keeps that much of the broadcasts in memory, so busy single nodes may want it shorter.
        ...(recoveryMs > 0 && {
            connectionStateRecovery: { maxDisconnectionDuration: recoveryMs, skipMiddlewares: true },
        }),
    });
}

export function attachSocketServer(deps: Deps, httpServer: HttpServer): void {
    const io = deps.io;
    io.attach(httpServer);
    io.use(createSocketAuth(deps.tokens));
    io.use(createConnectionLimit(deps));
    io.on('connection', (socket) => onConnection(deps, socket));
}

/**
 * Also runs for a recovered socket (`socket.recovered`), which skipped the auth middleware but
 * has its data and rooms back: joining its rooms again is a no-op, its handlers are new (the
 * old socket object is gone), and a daemon is announced online again as on any connect.
 */
function onConnection(deps: Deps, socket: AppSocket): void {
    const { userId, scope } = socket.data;
    const scopeRoom =
        scope.type === 'session-scoped'
            ? rooms.session(userId, scope.sessionId)
            : scope.type === 'machine-scoped'
              ? rooms.machine(userId, scope.machineId)
              : rooms.userScoped(userId);
    // Native sockets also join their scope room's native twin: Workers-only events go there (rooms.ts).
    socket.join([rooms.user(userId), scopeRoom, ...(socket.data.native ? [rooms.native(scopeRoom)] : [])]);
    instrumentSocket(socket, deps.metrics);
    // Before every handler: a refused event reaches none of them.
    limitSocketEvents(socket, deps);

    if (scope.type === 'machine-scoped') announceMachine(deps, userId, scope.machineId, true);
    socket.on('disconnect', () => {
        if (scope.type === 'machine-scoped') announceMachine(deps, userId, scope.machineId, false);
    });
    socket.on(
        'app-state',
        withContract({ acked: false }, (payload: unknown) => {
            socket.data.appState = (payload as { state?: unknown } | null)?.state === 'active' ? 'active' : 'background';
        }),
    );

    registerPingHandlers(socket);
    registerSessionHandlers(deps, socket);
    registerMachineHandlers(deps, socket);
    registerRpcHandlers(deps, socket);
    registerArtifactHandlers(deps, socket);
    registerAccessKeyHandlers(deps, socket);
    registerUsageHandlers(deps, socket);
    registerSyncHandlers(deps, socket);
    registerBroadcastHandlers(socket, deps.log);
    if (socket.data.native) registerForwarding(deps, socket);
}

/**
 * Daemon socket up or down: an ephemeral for the apps, nothing persisted (spec §4.1, §4.3), and
 * for native apps also the Workers `machine-status` (spec workers.md §1.3), which upstream never
 * sent to Socket.IO clients and so goes to the native user-scoped room only.
 */
function announceMachine(deps: Deps, userId: string, machineId: string, active: boolean): void {
    const now = Date.now();
    deps.events.emitEphemeral({
        userId,
        filter: { type: 'native-user-scoped-only' },
        payload: { type: 'machine-status', machineId, online: active, timestamp: now },
    });
    deps.events.emitEphemeral({
        userId,
        filter: { type: 'user-scoped-only' },
        payload: { type: 'machine-activity', id: machineId, active, activeAt: now },
    });
}
