import { newId } from './ids.ts';
import type { SqlClient } from './sqlClient.ts';

/**
 * The message append path, the hot path of the server: one call appends the messages of many
 * requests (possibly for many sessions and accounts) in one statement, the SQL function
 * `happy_append_messages` (prisma/migrations/*_message_append_function). That is one round trip
 * and one commit for a whole group-commit batch, straight through the driver (node-postgres or
 * PGlite): Prisma's client cost more CPU on this path than anything else.
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
    createdAt: number;
    updatedAt: number;
    /** Per-account update seq of its `new-message`; null for a message that already existed. */
    userSeq: number | null;
}

/** Per request: its unique messages in request order, or null when the session is not the caller's. */
export type AppendOutcome = StoredMessage[] | null;

interface Row {
    ord: number;
    id: string;
    seq: number;
    localId: string | null;
    /** Null for a message created by this call: its content is the one sent. */
    content: unknown;
    createdAt: number;
    updatedAt: number;
    userSeq: number | null;
}

export async function appendMessages(sql: SqlClient, requests: AppendRequest[]): Promise<AppendOutcome[]> {
    const input = flatten(requests);
    const rows = await sql.query<Row>(
        'SELECT * FROM "happy_append_messages"($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])',
        [input.accounts, input.sessions, input.localIds, input.contents.map((content) => JSON.stringify(content)), input.ids],
        'happy-append-messages',
    );
    const byOrd = new Map<number, StoredMessage>();
    for (const { ord, ...message } of rows) {
        byOrd.set(ord, message.userSeq === null ? message : { ...message, content: input.contents[ord - 1] });
    }
    return input.ordsOf.map((ords) => {
        const messages = ords.map((ord) => byOrd.get(ord));
        return messages.every((m) => m !== undefined) ? (messages as StoredMessage[]) : null;
    });
}

/**
 * One element per message to store, in arrival order (`ord`, 1-based like SQL arrays). A localId
 * repeated inside a request counts once; one repeated by a later request of the batch (for the
 * same account and session) points at the earlier element, so it is created once and the later
 * request gets the same message, as a retry would.
 */
function flatten(requests: AppendRequest[]) {
    const accounts: string[] = [];
    const sessions: string[] = [];
    const localIds: Array<string | null> = [];
    const contents: Array<{ t: 'encrypted'; c: unknown }> = [];
    const ids: string[] = [];
    const ordByKey = new Map<string, number>();
    const ordsOf = requests.map((request) => {
        const ords: number[] = [];
        const seen = new Set<number>();
        for (const message of request.messages) {
            const key = message.localId === null ? null : `${request.accountId}\u0000${request.sessionId}\u0000${message.localId}`;
            let ord = key === null ? undefined : ordByKey.get(key);
            if (ord === undefined) {
                accounts.push(request.accountId);
                sessions.push(request.sessionId);
                localIds.push(message.localId);
                contents.push({ t: 'encrypted', c: message.content });
                ids.push(newId());
                ord = ids.length;
                if (key !== null) ordByKey.set(key, ord);
            }
            if (seen.has(ord)) continue;
            seen.add(ord);
            ords.push(ord);
        }
        return ords;
    });
    return { accounts, sessions, localIds, contents, ids, ordsOf };
}
