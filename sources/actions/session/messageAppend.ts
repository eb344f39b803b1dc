import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import { sessionIdSchema } from './sessionViews.ts';

export const messageAppendBody = z.object({
    messages: z
        .array(z.object({ content: storableString(), localId: storableString(z.string().min(1).max(256)) }))
        .min(1)
        .max(100),
});

/**
 * POST /v3/sessions/:sessionId/messages: appends a batch, idempotent by localId. Retries of the
 * same batch, also concurrent ones, return the same ids and seqs (upstream answered a
 * concurrent duplicate with a 500). Sorted by seq, no content (spec rest.md §3.2).
 */
export const messageAppend = defineAction({
    input: messageAppendBody.extend({ sessionId: sessionIdSchema }),
    async run(deps, caller, { sessionId, messages }) {
        const stored = await deps.messages.append({
            accountId: caller.userId,
            sessionId,
            messages: messages.map((m) => ({ localId: m.localId, content: m.content })),
        });
        if (!stored) return fail('not-found', 'Session not found');
        const sorted = [...stored].sort((a, b) => a.seq - b.seq);
        return ok({
            messages: sorted.map((m) => ({
                id: m.id,
                seq: m.seq,
                localId: m.localId,
                createdAt: m.createdAt,
                updatedAt: m.updatedAt,
            })),
        });
    },
});
