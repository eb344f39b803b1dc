import { z } from 'zod';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { machineId } from './machineSchemas.ts';

/**
 * DELETE /v1/machines/:id (spec rest.md §3.5): the machine and the caller's access keys for it
 * go together; sessions stay. Unlike upstream, the `delete-machine` seq is taken inside the
 * transaction, so it can neither be lost after the commit nor overtake a later update.
 */
export const machineDelete = defineAction({
    input: z.object({ id: machineId }),
    async run(deps, caller, { id }) {
        const { userId } = caller;
        return inTx(deps.db.prisma, deps.log, async (scope) => {
            const { tx, afterCommit } = scope;
            // The row lock keeps a concurrent access-key insert from slipping in before the delete.
            const owned = await tx.$queryRaw<unknown[]>`
                SELECT 1 FROM "Machine" WHERE "id" = ${id} AND "accountId" = ${userId} FOR UPDATE`;
            if (owned.length === 0) return fail('not-found', 'Machine not found');
            await tx.accessKey.deleteMany({ where: { accountId: userId, machineId: id } });
            await tx.machine.delete({ where: { id } });
            afterCommit(() => deps.presence.forgetMachine(id));
            await queueUpdate(scope, deps.events, {
                userId,
                filter: { type: 'user-scoped-only' },
                body: { t: 'delete-machine', machineId: id },
            });
            return ok({ success: true });
        }, { isolation: 'ReadCommitted' });
    },
});
