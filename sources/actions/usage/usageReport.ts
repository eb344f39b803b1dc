import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client.ts';
import { newId } from '../../storage/ids.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import { amounts, optionalSessionId } from './usageSchemas.ts';

interface SavedRow {
    id: string;
    createdAt: Date;
    updatedAt: Date;
}

/**
 * Socket `usage-report` (spec realtime.md §7.7): the CLI's running totals for a session, one row
 * per (account, session, key), replaced by every report. Each report is one upsert, so
 * concurrent reports of one key never fail on the unique key nor create a second row. Reports
 * without a session land on the partial unique index (accountId, key) WHERE sessionId IS NULL;
 * upstream always failed those, since NULLs never conflict in its (accountId, sessionId, key).
 */
export const usageReport = defineAction({
    input: z.object({
        key: storableString(z.string().min(1).max(256)),
        sessionId: optionalSessionId,
        tokens: amounts,
        cost: amounts,
    }),
    async run(deps, caller, { key, sessionId, tokens, cost }) {
        const { userId } = caller;
        const data = JSON.stringify({ tokens, cost });
        const target = sessionId === null
            ? Prisma.sql`("accountId", "key") WHERE "sessionId" IS NULL`
            : Prisma.sql`("accountId", "sessionId", "key")`;
        const saved = await inTx(deps.db.prisma, deps.log, async ({ tx }) => {
            if (sessionId !== null) {
                // The key-share lock keeps the session from being deleted under the new row.
                const owned = await tx.$queryRaw<unknown[]>`
                    SELECT 1 FROM "Session" WHERE "id" = ${sessionId} AND "accountId" = ${userId} FOR KEY SHARE`;
                if (owned.length === 0) return null;
            }
            const [row] = await tx.$queryRaw<SavedRow[]>`
                INSERT INTO "UsageReport" ("id", "key", "accountId", "sessionId", "data", "updatedAt")
                VALUES (${newId()}, ${key}, ${userId}, ${sessionId}, ${data}::jsonb, now())
                ON CONFLICT ${target} DO UPDATE SET "data" = EXCLUDED."data", "updatedAt" = now()
                RETURNING "id", "createdAt", "updatedAt"`;
            return row!;
        }, { isolation: 'ReadCommitted' });
        if (!saved) return fail('not-found', 'Session not found');
        if (sessionId !== null) {
            deps.events.emitEphemeral({
                userId,
                filter: { type: 'user-scoped-only' },
                payload: { type: 'usage', id: sessionId, key, tokens, cost, timestamp: Date.now() },
            });
        }
        return ok({ success: true, reportId: saved.id, createdAt: saved.createdAt.getTime(), updatedAt: saved.updatedAt.getTime() });
    },
});
