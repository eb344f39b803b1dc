import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Deps } from '../../deps.ts';
import { rooms } from '../../events/rooms.ts';
import { registerMachineHandlers } from './handlers/machineHandlers.ts';
import { registerPingHandlers } from './handlers/pingHandlers.ts';
import { registerRpcHandlers } from './handlers/rpcHandlers.ts';
import { registerSessionHandlers } from './handlers/sessionHandlers.ts';
import { createSocketAuth } from './socketAuth.ts';
import type { AppServer, AppSocket } from './socketTypes.ts';

/**
 * The Socket.IO server with upstream's options (spec realtime.md §1.1). It is created with the
 * deps (so actions can emit through it) and attached to the HTTP server by createServer.
 */
export function createSocketServer(): AppServer {
    return new Server({
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
    });
}

export function attachSocketServer(deps: Deps, httpServer: HttpServer): void {
    const io = deps.io;
    io.attach(httpServer);
    io.use(createSocketAuth(deps.tokens));
    io.on('connection', (socket) => onConnection(deps, socket));
}

function onConnection(deps: Deps, socket: AppSocket): void {
    const { userId, scope } = socket.data;
    const scopeRoom =
        scope.type === 'session-scoped'
            ? rooms.session(userId, scope.sessionId)
            : scope.type === 'machine-scoped'
              ? rooms.machine(userId, scope.machineId)
              : rooms.userScoped(userId);
    socket.join([rooms.user(userId), scopeRoom]);

    if (scope.type === 'machine-scoped') announceMachine(deps, userId, scope.machineId, true);
    socket.on('disconnect', () => {
        if (scope.type === 'machine-scoped') announceMachine(deps, userId, scope.machineId, false);
    });
    socket.on('app-state', (payload: unknown) => {
        socket.data.appState = (payload as { state?: unknown } | null)?.state === 'active' ? 'active' : 'background';
    });

    registerPingHandlers(socket);
    registerSessionHandlers(deps, socket);
    registerMachineHandlers(deps, socket);
    registerRpcHandlers(deps, socket);
}

/** Daemon socket up or down: an ephemeral for the apps, nothing persisted (spec §4.1, §4.3). */
function announceMachine(deps: Deps, userId: string, machineId: string, active: boolean): void {
    deps.events.emitEphemeral({
        userId,
        filter: { type: 'user-scoped-only' },
        payload: { type: 'machine-activity', id: machineId, active, activeAt: Date.now() },
    });
}
