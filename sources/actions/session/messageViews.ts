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
