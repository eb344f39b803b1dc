import { z } from 'zod';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { artifactId } from './artifactSchemas.ts';

/**
 * DELETE /v1/artifacts/:id and socket `artifact-delete`. The delete is its own ownership check,
 * so of concurrent deletes exactly one succeeds and announces `delete-artifact`, with a seq
 * taken in the same transaction.
 */
export const artifactDelete = defineAction({
    input: z.object({ artifactId }),
    async run(deps, caller, { artifactId: id }) {
        const { userId } = caller;
        return inTx(deps.db.prisma, deps.log, async (scope) => {
            const { count } = await scope.tx.artifact.deleteMany({ where: { id, accountId: userId } });
            if (count === 0) return fail('not-found', 'Artifact not found');
            await queueUpdate(scope, deps.events, {
                userId,
                filter: { type: 'user-scoped-only' },
                body: { t: 'delete-artifact', artifactId: id },
            });
            return ok({ success: true });
        }, { isolation: 'ReadCommitted' });
    },
});
