import { defineAction, fail, ok } from '../action.ts';
import { ownsSession, sessionParams } from './sessionViews.ts';

/**
 * POST /v1/sessions/:sessionId/archive: marks the session inactive and tells the apps. Unlike
 * upstream, heartbeats are silenced only after ownership is checked (upstream let anyone mute
 * any session id), and before the write so a queued heartbeat cannot revive it.
 */
export const sessionArchive = defineAction({
    input: sessionParams,
    async run(deps, caller, { sessionId }) {
        const prisma = deps.db.prisma;
        if (!(await ownsSession(prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        await deps.presence.stopSession(sessionId);
        const now = new Date();
        const { count } = await prisma.session.updateMany({
            where: { id: sessionId, accountId: caller.userId },
            data: { active: false, lastActiveAt: now },
        });
        if (count === 0) return fail('not-found', 'Session not found');
        deps.events.emitEphemeral({
            userId: caller.userId,
            filter: { type: 'user-scoped-only' },
            payload: { type: 'activity', id: sessionId, active: false, activeAt: now.getTime(), thinking: false },
        });
        return ok({ success: true });
    },
});
