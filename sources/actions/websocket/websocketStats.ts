import { z } from 'zod';
import { accountSockets } from '../../events/accountSockets.ts';
import { defineAction, ok } from '../action.ts';

/**
 * GET /v1/websocket/stats (spec workers.md §2.4): the caller's open sockets on every node. The
 * Workers server counted its native sockets, which were all of them; here both protocols count,
 * since both reach the same account. `oldestConnection` is when the oldest native one opened.
 */
export const websocketStats = defineAction({
    input: z.unknown(),
    async run(deps, caller) {
        const sockets = await accountSockets(deps.io, caller.userId);
        const byType = { 'user-scoped': 0, 'session-scoped': 0, 'machine-scoped': 0 };
        const sessions = new Set<string>();
        const machines = new Set<string>();
        let oldest: number | null = null;
        for (const { data } of sockets) {
            const scope = data.scope;
            if (!scope) continue;
            byType[scope.type]++;
            if (scope.type === 'session-scoped') sessions.add(scope.sessionId);
            if (scope.type === 'machine-scoped') machines.add(scope.machineId);
            const openedAt = data.native?.connectedAt;
            if (typeof openedAt === 'number' && (oldest === null || openedAt < oldest)) oldest = openedAt;
        }
        return ok({
            totalConnections: byType['user-scoped'] + byType['session-scoped'] + byType['machine-scoped'],
            byType,
            activeSessions: sessions.size,
            activeMachines: machines.size,
            oldestConnection: oldest,
        });
    },
});
