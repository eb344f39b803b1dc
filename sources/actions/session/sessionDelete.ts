import { queueUpdate } from '../../events/queueUpdate.ts';
import { attachmentPrefix } from '../../files/blobKeys.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { ownsSession, sessionParams } from './sessionViews.ts';

const NOT_FOUND = 'Session not found or not owned by user';

/**
 * DELETE /v1/sessions/:sessionId: removes the session with its messages, usage reports and
 * access keys in one transaction; `delete-session` carries a seq allocated in that transaction
 * and goes out after commit, followed by the removal of the session's attachment blobs.
 */
export const sessionDelete = defineAction({
    input: sessionParams,
    async run(deps, caller, { sessionId }) {
        if (!(await ownsSession(deps.db.prisma, caller.userId, sessionId))) return fail('not-found', NOT_FOUND);
        await deps.presence.stopSession(sessionId);
        const deleted = await inTx(deps.db.prisma, deps.log, async (scope) => {
            const { tx } = scope;
            // The row lock waits for (and then keeps out) writers that reference the session,
            // an access key or usage report being created, so none can slip in before the delete.
            const owned = await tx.$queryRaw<unknown[]>`
                SELECT 1 FROM "Session" WHERE "id" = ${sessionId} AND "accountId" = ${caller.userId} FOR UPDATE`;
            if (owned.length === 0) return false;
            await tx.sessionMessage.deleteMany({ where: { sessionId } });
            await tx.usageReport.deleteMany({ where: { sessionId } });
            await tx.accessKey.deleteMany({ where: { sessionId } });
            await tx.session.delete({ where: { id: sessionId } });
            await queueUpdate(scope, deps.events, {
                userId: caller.userId,
                filter: { type: 'user-scoped-only' },
                body: { t: 'delete-session', sid: sessionId },
            });
            // After commit, as upstream; a failure is logged and leaves only unreachable bytes.
            scope.afterCommit(() => deps.files.deletePrefix(attachmentPrefix(sessionId)));
            return true;
        }, { isolation: 'ReadCommitted' });
        return deleted ? ok({ success: true }) : fail('not-found', NOT_FOUND);
    },
});
