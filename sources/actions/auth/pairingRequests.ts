import { Prisma } from '../../generated/prisma/client.ts';
import type { Prisma as PrismaClient } from '../../storage/db.ts';
import { newId } from '../../storage/ids.ts';

/**
 * Pairing requests: a device without credentials shows its ephemeral public key (QR code), a
 * logged-in app answers it, the device polls for the answer. The terminal (CLI) and account
 * (agent) flows share this store; they differ only in table and in `supportsV2`.
 *
 * Upstream kept requests forever and handed a fresh token to anyone presenting an answered
 * public key, forever (spec rest.md §7.2). Here a request expires, and an answered one hands
 * out tokens only for a short window after approval; an expired row is replaced by a fresh
 * pending one on the device's next poll, so a device that keeps polling simply asks again.
 */
export const PENDING_TTL_MS = 10 * 60 * 1000;
export const APPROVED_WINDOW_MS = 2 * 60 * 1000;

export type PairingKind = 'terminal' | 'account';

export interface PairingRequest {
    id: string;
    publicKey: string;
    supportsV2: boolean;
    response: string | null;
    responseAccountId: string | null;
    createdAt: Date;
    updatedAt: Date;
}

const TABLES: Record<PairingKind, Prisma.Sql> = {
    terminal: Prisma.raw('"TerminalAuthRequest"'),
    account: Prisma.raw('"AccountAuthRequest"'),
};

const SUPPORTS_V2: Record<PairingKind, Prisma.Sql> = {
    terminal: Prisma.raw('"supportsV2"'),
    account: Prisma.raw('false AS "supportsV2"'),
};

export function isAnswered(row: PairingRequest): row is PairingRequest & { response: string; responseAccountId: string } {
    return row.response !== null && row.responseAccountId !== null;
}

function isExpired(row: PairingRequest, now: number): boolean {
    return isAnswered(row)
        ? row.updatedAt.getTime() + APPROVED_WINDOW_MS <= now
        : row.createdAt.getTime() + PENDING_TTL_MS <= now;
}

/** The live request for a key, or null; an expired one is deleted on the way. */
export async function findPairingRequest(
    prisma: PrismaClient,
    kind: PairingKind,
    publicKey: string,
): Promise<PairingRequest | null> {
    const [row] = await prisma.$queryRaw<PairingRequest[]>`
        SELECT "id", "publicKey", ${SUPPORTS_V2[kind]}, "response", "responseAccountId", "createdAt", "updatedAt"
        FROM ${TABLES[kind]} WHERE "publicKey" = ${publicKey}`;
    if (!row) return null;
    if (!isExpired(row, Date.now())) return row;
    // Conditional on updatedAt: an approval that lands meanwhile is not thrown away.
    await prisma.$executeRaw`DELETE FROM ${TABLES[kind]} WHERE "id" = ${row.id} AND "updatedAt" = ${row.updatedAt}`;
    return null;
}

/** Finds the live request for a key or opens a new one; safe under concurrent polls. */
export async function openPairingRequest(
    prisma: PrismaClient,
    kind: PairingKind,
    publicKey: string,
    supportsV2: boolean,
): Promise<PairingRequest> {
    for (;;) {
        const existing = await findPairingRequest(prisma, kind, publicKey);
        if (existing) return existing;
        const now = new Date();
        await (kind === 'terminal'
            ? prisma.$executeRaw`
                INSERT INTO "TerminalAuthRequest" ("id", "publicKey", "supportsV2", "createdAt", "updatedAt")
                VALUES (${newId()}, ${publicKey}, ${supportsV2}, ${now}, ${now}) ON CONFLICT ("publicKey") DO NOTHING`
            : prisma.$executeRaw`
                INSERT INTO "AccountAuthRequest" ("id", "publicKey", "createdAt", "updatedAt")
                VALUES (${newId()}, ${publicKey}, ${now}, ${now}) ON CONFLICT ("publicKey") DO NOTHING`);
    }
}

export type AnswerOutcome = 'answered' | 'already-answered-by-caller' | 'answered-by-another-account' | 'not-found';

/** First approver wins; the same account answering again is a harmless retry. */
export async function answerPairingRequest(
    prisma: PrismaClient,
    kind: PairingKind,
    publicKey: string,
    accountId: string,
    response: string,
): Promise<AnswerOutcome> {
    const request = await findPairingRequest(prisma, kind, publicKey);
    if (!request) return 'not-found';
    if (!isAnswered(request)) {
        const updated = await prisma.$executeRaw`
            UPDATE ${TABLES[kind]} SET "response" = ${response}, "responseAccountId" = ${accountId}, "updatedAt" = ${new Date()}
            WHERE "id" = ${request.id} AND "response" IS NULL`;
        if (updated === 1) return 'answered';
        return answerPairingRequest(prisma, kind, publicKey, accountId, response);
    }
    return request.responseAccountId === accountId ? 'already-answered-by-caller' : 'answered-by-another-account';
}

/** Deletes every expired request; run periodically so abandoned requests do not pile up. */
export async function sweepPairingRequests(prisma: PrismaClient): Promise<number> {
    const pendingCutoff = new Date(Date.now() - PENDING_TTL_MS);
    const answeredCutoff = new Date(Date.now() - APPROVED_WINDOW_MS);
    let deleted = 0;
    for (const table of Object.values(TABLES)) {
        deleted += await prisma.$executeRaw`
            DELETE FROM ${table}
            WHERE ("response" IS NULL AND "createdAt" <= ${pendingCutoff})
               OR ("response" IS NOT NULL AND "updatedAt" <= ${answeredCutoff})`;
    }
    return deleted;
}
