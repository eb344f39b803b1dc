import { z } from 'zod';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { newSessionBody } from '../../events/updates.ts';
import { newId } from '../../storage/ids.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, ok } from '../action.ts';
import { storableString } from '../schemas.ts';
import { presentCreatedSession, sessionView, type SessionRow } from './sessionViews.ts';

/**
 * POST /v1/sessions: get-or-create by (account, tag). A new session is announced with
 * `new-session` to the apps. Concurrent creates of one tag all get the same session and only
 * one announcement (upstream answered the loser with a 500). `agentState` is accepted and, as
 * upstream does, ignored: clients set it afterwards with `update-state`.
 */
export const sessionCreate = defineAction({
    input: z.object({
        tag: storableString(z.string().min(1).max(1024)),
        metadata: storableString(z.string().max(4 * 1024 * 1024)),
        agentState: z.string().nullish(),
        dataEncryptionKey: z.string().max(64 * 1024).nullish(),
    }),
    async run(deps, caller, { tag, metadata, dataEncryptionKey }) {
        const key = dataEncryptionKey ? Buffer.from(dataEncryptionKey, 'base64') : null;
        const { row, created } = await inTx(
            deps.db.prisma,
            deps.log,
            async (scope) => {
                const { tx } = scope;
                const [inserted] = await tx.$queryRaw<SessionRow[]>`
                    INSERT INTO "Session" ("id", "tag", "accountId", "metadata", "dataEncryptionKey", "updatedAt")
                    VALUES (${newId()}, ${tag}, ${caller.userId}, ${metadata}, ${key}, now())
                    ON CONFLICT ("accountId", "tag") DO NOTHING
                    RETURNING *`;
                if (!inserted) {
                    const existing = await tx.session.findUniqueOrThrow({
                        where: { accountId_tag: { accountId: caller.userId, tag } },
                    });
                    return { row: existing as SessionRow, created: false };
                }
                await queueUpdate(scope, deps.events, {
                    userId: caller.userId,
                    filter: { type: 'user-scoped-only' },
                    body: newSessionBody(sessionView(inserted)),
                });
                return { row: inserted, created: true };
            },
            { isolation: 'ReadCommitted' },
        );
        // The CLI re-creates its session by tag when it restarts: heartbeats count again.
        if (!created) await deps.presence.resumeSession(row.id);
        return ok({ session: presentCreatedSession(sessionView(row)) });
    },
});
