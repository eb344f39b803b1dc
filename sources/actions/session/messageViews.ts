import type { MessageView } from '../../events/updates.ts';
import type { SessionMessage } from '../../generated/prisma/client.ts';

/** Key order of message objects in responses (spec rest.md §3.2). */
export function presentMessage(m: Pick<SessionMessage, 'id' | 'seq' | 'content' | 'localId' | 'createdAt' | 'updatedAt'>) {
    return {
        id: m.id,
        seq: m.seq,
        content: m.content,
        localId: m.localId,
        createdAt: m.createdAt.getTime(),
        updatedAt: m.updatedAt.getTime(),
    };
}

/**
 * Key order of message objects in the Workers-generation routes (spec workers.md §2.4), which
 * name the session in each message.
 */
export function presentSessionMessage(sessionId: string, m: MessageView) {
    return {
        id: m.id,
        sessionId,
        localId: m.localId,
        seq: m.seq,
        content: m.content,
        createdAt: m.createdAt,
        updatedAt: m.updatedAt,
    };
}
