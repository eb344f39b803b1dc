import { z } from 'zod';
import type { AccessKey } from '../../generated/prisma/client.ts';
import type { Prisma } from '../../storage/db.ts';
import type { Tx } from '../../storage/inTx.ts';
import { machineId } from '../machine/machineSchemas.ts';
import { ownsSession, sessionIdSchema } from '../session/sessionViews.ts';
import { storableString } from '../schemas.ts';

/**
 * Access keys (spec rest.md §3.7): one opaque, client-encrypted string per (account, session,
 * machine). The data is stored as sent, never decoded. In practice it is a wrapped key of a few
 * hundred characters; 64 Ki characters leaves room for any envelope a client may choose.
 */
export const ACCESS_KEY_DATA_MAX_CHARS = 64 * 1024;

/** JSON may spend up to 6 bytes on one character (`\u0001`), plus the envelope. */
export const ACCESS_KEY_BODY_LIMIT = 6 * ACCESS_KEY_DATA_MAX_CHARS + 1024;

export const accessKeyParams = z.object({ sessionId: sessionIdSchema, machineId });

export const accessKeyData = storableString(z.string().max(ACCESS_KEY_DATA_MAX_CHARS));

export const NOT_OWNED = 'Session or machine not found';

/** The access key object of GET, POST and the socket ack, in upstream's key order. */
export function accessKeyView(row: Pick<AccessKey, 'data' | 'dataVersion' | 'createdAt' | 'updatedAt'>) {
    return {
        data: row.data,
        dataVersion: row.dataVersion,
        createdAt: row.createdAt.getTime(),
        updatedAt: row.updatedAt.getTime(),
    };
}

export interface AccessKeyRef {
    userId: string;
    sessionId: string;
    machineId: string;
}

export const accessKeyColumns = ({ userId, sessionId, machineId }: AccessKeyRef) => ({ accountId: userId, machineId, sessionId });

export const accessKeyWhere = (ref: AccessKeyRef) => ({ accountId_machineId_sessionId: accessKeyColumns(ref) });

/** Whether both the session and the machine are the caller's; other accounts' ids look missing. */
export async function ownsSessionAndMachine(prisma: Prisma, { userId, sessionId, machineId }: AccessKeyRef): Promise<boolean> {
    const [session, machine] = await Promise.all([
        ownsSession(prisma, userId, sessionId),
        prisma.machine.findUnique({ where: { accountId_id: { accountId: userId, id: machineId } }, select: { id: true } }),
    ]);
    return session && machine !== null;
}

/**
 * The same check inside a write transaction, holding both rows until it commits: a concurrent
 * delete of the session or machine then waits for the new key (and removes it with them), and
 * one that committed first makes this a clean "not found" instead of a foreign-key error.
 */
export async function lockSessionAndMachine(tx: Tx, { userId, sessionId, machineId }: AccessKeyRef): Promise<boolean> {
    const rows = await tx.$queryRaw<unknown[]>`
        SELECT 1 FROM "Session" s, "Machine" m
        WHERE s."id" = ${sessionId} AND s."accountId" = ${userId} AND m."id" = ${machineId} AND m."accountId" = ${userId}
        FOR KEY SHARE`;
    return rows.length > 0;
}
