import { Prisma } from '../../generated/prisma/client.ts';
import type { Deps } from '../../deps.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx } from '../../storage/inTx.ts';
import { fail, ok, type Result } from '../action.ts';

/** The two versioned, client-encrypted fields of a session. */
const FIELDS = {
    metadata: { value: Prisma.raw('"metadata"'), version: Prisma.raw('"metadataVersion"') },
    agentState: { value: Prisma.raw('"agentState"'), version: Prisma.raw('"agentStateVersion"') },
} as const;

export type SessionField = keyof typeof FIELDS;

export type CasAck<F extends SessionField> =
    | ({ result: 'success'; version: number } & Record<F, string | null>)
    | ({ result: 'version-mismatch'; version: number } & Record<F, string | null>);

/**
 * Optimistic update of an encrypted session field (spec realtime.md §7.2-§7.3): written only if
 * the stored version is the one the client saw. The `update-session` update takes its seq in
 * the same transaction and goes out (to the session's sockets and the apps, sender included)
 * before the caller acks. A lost race answers with the fresh value, not a stale pre-read.
 */
export async function sessionCompareAndSet<F extends SessionField>(
    deps: Deps,
    userId: string,
    sessionId: string,
    field: F,
    value: string | null,
    expectedVersion: number,
): Promise<Result<CasAck<F>>> {
    const { value: column, version: versionColumn } = FIELDS[field];
    return inTx(
        deps.db.prisma,
        deps.log,
        async (scope) => {
            const { tx } = scope;
            const [written] = await tx.$queryRaw<Array<{ version: number }>>`
                UPDATE "Session" SET ${column} = ${value}, ${versionColumn} = ${versionColumn} + 1, "updatedAt" = now()
                WHERE "id" = ${sessionId} AND "accountId" = ${userId} AND ${versionColumn} = ${expectedVersion}
                RETURNING ${versionColumn} AS "version"`;
            if (!written) {
                const [current] = await tx.$queryRaw<Array<{ value: string | null; version: number }>>`
                    SELECT ${column} AS "value", ${versionColumn} AS "version" FROM "Session"
                    WHERE "id" = ${sessionId} AND "accountId" = ${userId}`;
                if (!current) return fail('not-found', 'Session not found');
                return ok({ result: 'version-mismatch', version: current.version, [field]: current.value } as CasAck<F>);
            }
            await queueUpdate(scope, deps.events, {
                userId,
                filter: { type: 'all-interested-in-session', sessionId },
                body: { t: 'update-session', id: sessionId, [field]: { value, version: written.version } },
            });
            return ok({ result: 'success', version: written.version, [field]: value } as CasAck<F>);
        },
        { isolation: 'ReadCommitted' },
    );
}
