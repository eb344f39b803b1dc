import type { Deps } from '../../deps.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx, type TxScope } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { uploadIdParams } from './uploadSchemas.ts';

/**
 * DELETE /v1/uploads/:id (spec workers.md §2.4): the row in a transaction, the blob after
 * commit. Deleting the file that is the caller's avatar also clears the avatar (with
 * `update-account`), so no profile points at a missing file.
 */
export const uploadDelete = defineAction({
    input: uploadIdParams,
    async run(deps, caller, { id }) {
        const deleted = await inTx(deps.db.prisma, deps.log, async (scope) => {
            const [file] = await scope.tx.$queryRaw<Array<{ path: string }>>`
                DELETE FROM "UploadedFile" f USING "UploadedFileMeta" m
                WHERE m."fileId" = f."id" AND f."id" = ${id} AND f."accountId" = ${caller.userId}
                RETURNING f."path"`;
            if (!file) return false;
            await clearAvatarIf(scope, deps, caller.userId, file.path);
            scope.afterCommit(() => deps.files.delete(file.path));
            return true;
        }, { isolation: 'ReadCommitted' });
        return deleted ? ok({ success: true }) : fail('not-found', 'File not found');
    },
});

async function clearAvatarIf(scope: TxScope, deps: Pick<Deps, 'events'>, userId: string, path: string): Promise<void> {
    const cleared = await scope.tx.$executeRaw`
        UPDATE "Account" SET "avatar" = NULL, "updatedAt" = ${new Date()}
        WHERE "id" = ${userId} AND "avatar"->>'path' = ${path}`;
    if (cleared === 0) return;
    await queueUpdate(scope, deps.events, {
        userId,
        filter: { type: 'user-scoped-only' },
        body: { t: 'update-account', id: userId, avatar: null },
    });
}
