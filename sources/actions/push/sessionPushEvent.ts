import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { ownsSession, sessionIdSchema } from '../session/sessionViews.ts';
import { dispatchPush, type PushOutcome } from './pushDispatch.ts';

export const pushEventParams = z.object({ sessionId: sessionIdSchema });
export const pushEventBody = z.object({
    kind: z.enum(['done', 'permission', 'question']),
    title: z.string().min(1).max(200),
    body: z.string().min(1).max(500),
    data: z.record(z.string(), z.unknown()).optional(),
});

/**
 * POST /v1/sessions/:sessionId/push-event (spec rest.md §3.4): the CLI tells the user that a
 * session finished or waits for them. Open apps hear it at once through the `session-event`
 * ephemeral; devices get a push unless an app is in the foreground. Another account's session
 * is "not found", and then nothing is emitted or sent.
 */
export const sessionPushEvent = defineAction({
    input: pushEventParams.extend(pushEventBody.shape),
    async run(deps, caller, { sessionId, kind, title, body, data }) {
        if (!(await ownsSession(deps.db.prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        deps.events.emitEphemeral({
            userId: caller.userId,
            filter: { type: 'all-interested-in-session', sessionId },
            payload: { type: 'session-event', sessionId, kind, title, body, timestamp: Date.now() },
        });
        // The session id and kind come last: client data cannot point the tap at another
        // session (upstream let it, weak spot 29 of rest.md §7).
        const notification = { title, body, data: { ...data, sessionId, kind } };
        let outcome: PushOutcome;
        try {
            outcome = await dispatchPush(deps, caller.userId, notification);
        } catch (error) {
            deps.log.error({ err: error, userId: caller.userId }, 'push dispatch failed');
            outcome = { result: 'failed', reason: 'Internal error' };
        }
        return ok({ success: true as const, ...outcome });
    },
});
