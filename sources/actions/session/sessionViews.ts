import { z } from 'zod';
import type { Prisma } from '../../storage/db.ts';
import type { Tx } from '../../storage/inTx.ts';
import { storableString } from '../schemas.ts';
import type { SessionView } from '../../events/updates.ts';

/** The stored columns a session view is built from (Prisma row or raw SQL row). */
export interface SessionRow {
    id: string;
    seq: number;
    metadata: string;
    metadataVersion: number;
    agentState: string | null;
    agentStateVersion: number;
    dataEncryptionKey: Uint8Array | null;
    active: boolean;
    lastActiveAt: Date;
    createdAt: Date;
    updatedAt: Date;
}

export function sessionView(row: SessionRow): SessionView {
    return {
        id: row.id,
        seq: row.seq,
        metadata: row.metadata,
        metadataVersion: row.metadataVersion,
        agentState: row.agentState,
        agentStateVersion: row.agentStateVersion,
        dataEncryptionKey: row.dataEncryptionKey ? Buffer.from(row.dataEncryptionKey).toString('base64') : null,
        active: row.active,
        activeAt: row.lastActiveAt.getTime(),
        createdAt: row.createdAt.getTime(),
        updatedAt: row.updatedAt.getTime(),
    };
}

/** Key order of list responses (spec rest.md §3.1 GET /v1/sessions; v2 drops lastMessage). */
export function presentSessionInList(s: SessionView) {
    return {
        id: s.id,
        seq: s.seq,
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
        active: s.active,
        activeAt: s.activeAt,
        metadata: s.metadata,
        metadataVersion: s.metadataVersion,
        agentState: s.agentState,
        agentStateVersion: s.agentStateVersion,
        dataEncryptionKey: s.dataEncryptionKey,
    };
}

/** Key order of POST /v1/sessions (spec rest.md §3.1). */
export function presentCreatedSession(s: SessionView) {
    return {
        id: s.id,
        seq: s.seq,
        metadata: s.metadata,
        metadataVersion: s.metadataVersion,
        agentState: s.agentState,
        agentStateVersion: s.agentStateVersion,
        dataEncryptionKey: s.dataEncryptionKey,
        active: s.active,
        activeAt: s.activeAt,
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
        lastMessage: null,
    };
}

/** Session ids are cuids in practice; anything longer cannot exist and is refused early. */
export const sessionIdSchema = storableString(z.string().min(1).max(128));
export const sessionParams = z.object({ sessionId: sessionIdSchema });

/** Whether the session exists and belongs to the caller; other accounts' sessions look missing. */
export async function ownsSession(
    prisma: Pick<Prisma, 'session'> | Tx,
    userId: string,
    sessionId: string,
): Promise<boolean> {
    const row = await prisma.session.findFirst({ where: { id: sessionId, accountId: userId }, select: { id: true } });
    return row !== null;
}
