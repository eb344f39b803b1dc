import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import { presentSessionMessage } from './messageViews.ts';
import { sessionIdSchema } from './sessionViews.ts';

/** The socket `message` event's bound on one encrypted message. */
export const MESSAGE_MAX_CHARS = 8 * 1024 * 1024;

const ciphertext = storableString(z.string().max(MESSAGE_MAX_CHARS));

export const messageCreateBody = z.object({
    localId: storableString(z.string().max(256)).nullish(),
    /**
     * The encrypted message, either as the socket `message` event carries it or already in the
     * stored `{t:'encrypted', c}` form (what every read returns). The Workers server stored any
     * JSON here; anything else than ciphertext would break the clients that read it back.
     */
    content: z.union([ciphertext, z.object({ t: z.literal('encrypted'), c: ciphertext })]),
});

/**
 * POST /v1/sessions/:sessionId/messages (spec workers.md §2.4): one message, appended through the
 * same path as the socket `message` event and POST /v3/sessions/:sessionId/messages: numbered
 * after the session's other messages, idempotent by localId (a retry answers with the stored
 * message), and announced with `new-message` after commit. The Workers server numbered REST
 * messages by counting rows (a second seq scheme) and broadcast nothing.
 */
export const messageCreate = defineAction({
    input: messageCreateBody.extend({ sessionId: sessionIdSchema }),
    async run(deps, caller, { sessionId, localId, content }) {
        const stored = await deps.messages.append({
            accountId: caller.userId,
            sessionId,
            // An empty localId counts as none, as on the socket.
            messages: [{ localId: localId ? localId : null, content: typeof content === 'string' ? content : content.c }],
        });
        const message = stored?.[0];
        if (!message) return fail('not-found', 'Session not found');
        return ok({ message: presentSessionMessage(sessionId, message) });
    },
});
