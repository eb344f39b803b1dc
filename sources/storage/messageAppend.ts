import { Prisma } from '../generated/prisma/client.ts';
import type { Tx } from './inTx.ts';
import { newId } from './ids.ts';

/**
 * The message append path in raw SQL (the hot path of the server). One call appends the
 * messages of many requests, possibly for many sessions and accounts, inside the caller's
 * transaction: group commit turns N appends into one commit.
 *
 * Locks are always taken sessions first (in id order), then accounts (in id order), the same
 * order every other writer uses (session row, then account row), so batches cannot deadlock.
 */

export interface AppendRequest {
    accountId: string;
    sessionId: string;
    messages: Array<{ localId: string | null; content: unknown }>;
}

export interface StoredMessage {
    id: string;
    seq: number;
    localId: string | null;
    content: unknown;
    createdAt: Date;
    updatedAt: Date;
    /** Per-account update seq of its `new-message`; null for a message that already existed. */
    userSeq: number | null;
}

/** Per request: its unique messages in request order, or null when the session is not the caller's. */
export type AppendOutcome = StoredMessage[] | null;

export async function appendMessages(tx: Tx, requests: AppendRequest[]): Promise<AppendOutcome[]> {
    const sessionIds = [...new Set(requests.map((r) => r.sessionId))];
    const owners = new Map(
        (
            await tx.$queryRaw<Array<{ id: string; accountId: string }>>`
                SELECT "id", "accountId" FROM "Session" WHERE "id" = ANY(${sessionIds}::text[]) ORDER BY "id" FOR UPDATE`
        ).map((row) => [row.id, row.accountId]),
    );
    const valid = requests.map((r) => owners.get(r.sessionId) === r.accountId);

    // Unique messages per request (first occurrence of a localId wins), then what already exists.
    const planned = requests.map((r) => dedupeByLocalId(r.messages));
    const existing = await findExisting(tx, requests, planned, valid);

    // A localId sent twice in one batch (two requests) is created once: the first request wins.
    const claimed = new Set<string>();
    const fresh = requests.map((r, i) =>
        !valid[i]
            ? []
            : planned[i]!.filter((m) => {
                  if (m.localId === null) return true;
                  const key = `${r.sessionId}\u0000${m.localId}`;
                  if (existing.has(key) || claimed.has(key)) return false;
                  claimed.add(key);
                  return true;
              }),
    );

    const sessionSeqs = await reserve(tx, 'Session', countBy(requests, fresh, (r) => r.sessionId));
    const userSeqs = await reserve(tx, 'Account', countBy(requests, fresh, (r) => r.accountId));

    const rows: Array<{ id: string; sessionId: string; localId: string | null; seq: number; content: string }> = [];
    const created = new Map<string, StoredMessage>();
    const now = new Date();
    requests.forEach((request, i) => {
        for (const message of fresh[i]!) {
            const stored: StoredMessage = {
                id: newId(),
                seq: sessionSeqs.take(request.sessionId),
                localId: message.localId,
                content: { t: 'encrypted', c: message.content },
                createdAt: now,
                updatedAt: now,
                userSeq: userSeqs.take(request.accountId),
            };
            created.set(`${i}\u0000${message.index}`, stored);
            rows.push({ id: stored.id, sessionId: request.sessionId, localId: stored.localId, seq: stored.seq, content: JSON.stringify(stored.content) });
        }
    });
    if (rows.length > 0) {
        await tx.$executeRaw`
            INSERT INTO "SessionMessage" ("id", "sessionId", "localId", "seq", "content", "createdAt", "updatedAt")
            SELECT u.id, u.sid, u.lid, u.seq, u.content::jsonb, ${now}, ${now}
            FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.sessionId)}::text[],
                        ${rows.map((r) => r.localId)}::text[], ${rows.map((r) => r.seq)}::int[],
                        ${rows.map((r) => r.content)}::text[]) AS u(id, sid, lid, seq, content)`;
    }

    return requests.map((request, i) => {
        if (!valid[i]) return null;
        return planned[i]!.map(
            (m) => created.get(`${i}\u0000${m.index}`) ?? existing.get(`${request.sessionId}\u0000${m.localId}`)!,
        );
    });
}

interface PlannedMessage {
    index: number;
    localId: string | null;
    content: unknown;
}

function dedupeByLocalId(messages: AppendRequest['messages']): PlannedMessage[] {
    const seen = new Set<string>();
    const unique: PlannedMessage[] = [];
    messages.forEach((m, index) => {
        if (m.localId !== null) {
            if (seen.has(m.localId)) return;
            seen.add(m.localId);
        }
        unique.push({ index, localId: m.localId, content: m.content });
    });
    return unique;
}

async function findExisting(tx: Tx, requests: AppendRequest[], planned: PlannedMessage[][], valid: boolean[]) {
    const sids: string[] = [];
    const lids: string[] = [];
    requests.forEach((r, i) => {
        if (!valid[i]) return;
        for (const m of planned[i]!) {
            if (m.localId === null) continue;
            sids.push(r.sessionId);
            lids.push(m.localId);
        }
    });
    const found = new Map<string, StoredMessage>();
    if (sids.length === 0) return found;
    const rows = await tx.$queryRaw<Array<Omit<StoredMessage, 'userSeq'> & { sessionId: string }>>`
        SELECT m."id", m."sessionId", m."seq", m."localId", m."content", m."createdAt", m."updatedAt"
        FROM "SessionMessage" m
        JOIN unnest(${sids}::text[], ${lids}::text[]) AS k(sid, lid) ON m."sessionId" = k.sid AND m."localId" = k.lid`;
    for (const row of rows) {
        const { sessionId, ...message } = row;
        found.set(`${sessionId}\u0000${row.localId}`, { ...message, userSeq: null });
    }
    return found;
}

function countBy(requests: AppendRequest[], fresh: PlannedMessage[][], key: (r: AppendRequest) => string) {
    const counts = new Map<string, number>();
    requests.forEach((r, i) => {
        const n = fresh[i]!.length;
        if (n > 0) counts.set(key(r), (counts.get(key(r)) ?? 0) + n);
    });
    return counts;
}

const COUNTER_TABLES = { Session: Prisma.raw('"Session"'), Account: Prisma.raw('"Account"') } as const;

/** Bumps each row's counter by its count in one statement and hands the numbers out in order. */
async function reserve(tx: Tx, table: 'Session' | 'Account', counts: Map<string, number>) {
    const next = new Map<string, number>();
    if (counts.size > 0) {
        const ids = [...counts.keys()].sort();
        const amounts = ids.map((id) => counts.get(id)!);
        const rows = await tx.$queryRaw<Array<{ id: string; seq: number }>>`
            UPDATE ${COUNTER_TABLES[table]} AS t SET "seq" = t."seq" + u.n, "updatedAt" = now()
            FROM unnest(${ids}::text[], ${amounts}::int[]) AS u(id, n) WHERE t."id" = u.id RETURNING t."id", t."seq"`;
        for (const row of rows) next.set(row.id, row.seq - counts.get(row.id)! + 1);
    }
    return {
        take(id: string): number {
            const value = next.get(id);
            if (value === undefined) throw new Error(`${table} ${id} vanished during append`);
            next.set(id, value + 1);
            return value;
        },
    };
}
