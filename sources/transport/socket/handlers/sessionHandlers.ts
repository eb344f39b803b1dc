import { z } from 'zod';
import { sessionAlive } from '../../../actions/session/sessionAlive.ts';
import { sessionEnd } from '../../../actions/session/sessionEnd.ts';
import { sessionIdSchema } from '../../../actions/session/sessionViews.ts';
import { sessionUpdateMetadata } from '../../../actions/session/sessionUpdateMetadata.ts';
import { sessionUpdateState } from '../../../actions/session/sessionUpdateState.ts';
import { storableString } from '../../../actions/schemas.ts';
import type { Deps } from '../../../deps.ts';
import { isDatabaseUnavailable } from '../../../storage/unavailable.ts';
import { onAckedEvent, onEvent } from '../socketAction.ts';
import type { AppSocket } from '../socketTypes.ts';

const ERROR = { result: 'error' } as const;

const localIdSchema = storableString(z.string().max(256));

/** Socket `message`: an encrypted message from the app or an agent (spec realtime.md §7.6). */
const messageEvent = z.object({
    sid: sessionIdSchema,
    message: storableString(z.string().max(8 * 1024 * 1024)),
    // Upstream treats a non-string localId as none; an absurdly long one is refused.
    localId: z.unknown().refine((id) => typeof id !== 'string' || localIdSchema.safeParse(id).success).optional(),
});

/** Session events of spec realtime.md §7.2-§7.6. */
export function registerSessionHandlers(deps: Deps, socket: AppSocket): void {
    const caller = () => ({ userId: socket.data.userId });
    const log = deps.log;

    for (const [event, action] of [
        ['update-metadata', sessionUpdateMetadata],
        ['update-state', sessionUpdateState],
    ] as const) {
        onAckedEvent(socket, log, event, {
            schema: action.input,
            invalid: ERROR,
            failed: ERROR,
            // Upstream never acked an unknown session; the CLI awaits with no timeout, so we do.
            run: async (input) => {
                const result = await action.run(deps, caller(), input as never);
                return result.ok ? result.value : ERROR;
            },
        });
    }

    onEvent(socket, log, 'session-alive', sessionAlive.input, (input) => sessionAlive.run(deps, caller(), input));
    onEvent(socket, log, 'session-end', sessionEnd.input, (input) => sessionEnd.run(deps, caller(), input));

    // Queued synchronously on arrival (run starts before any await), so one socket's messages
    // keep their order without a lock; the sender is left out of the broadcast, as upstream does.
    // Upstream takes no ack; a client that passes one learns, after commit, the stored seq, or
    // an error (never silence): `Service unavailable` while the database is unreachable.
    onAckedEvent(socket, log, 'message', {
        schema: messageEvent,
        invalid: { result: 'error', message: 'Invalid parameters' },
        failed: { result: 'error', message: 'Internal error' },
        run: async ({ sid, message, localId }) => {
            let stored;
            try {
                stored = await deps.messages.append(
                    {
                        accountId: socket.data.userId,
                        sessionId: sid,
                        messages: [{ localId: typeof localId === 'string' && localId.length > 0 ? localId : null, content: message }],
                    },
                    socket.id,
                );
            } catch (error) {
                if (!isDatabaseUnavailable(error)) throw error;
                log.warn({ err: error, event: 'message', socketId: socket.id }, 'message not stored: database unavailable');
                return { result: 'error', message: 'Service unavailable' };
            }
            const saved = stored?.[0];
            if (!saved) return { result: 'error', message: 'Session not found' };
            return { result: 'success', id: saved.id, seq: saved.seq, localId: saved.localId };
        },
    });
}
