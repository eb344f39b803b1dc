import { z } from 'zod';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { newMachineBody } from '../../events/updates.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { dataEncryptionKey, machineId, opaqueValue } from './machineSchemas.ts';
import { machineView, machineViewWithoutSeq } from './machineView.ts';

/**
 * POST /v1/machines: get-or-create by the client-chosen id (spec rest.md §3.5). The CLI calls it
 * on every daemon start and exits on anything but 200, so an existing machine of the caller is
 * returned unchanged (request fields ignored, no events).
 *
 * Fixed against upstream (rest.md §7.25): the insert is `ON CONFLICT DO NOTHING`, so concurrent
 * creates of one id all answer 200 with the same machine and only the winner emits; an id owned
 * by another account is a 409 instead of a primary-key 500; the two update seqs are taken in the
 * transaction that creates the row and emitted, in order, after it commits.
 */
export const machineCreate = defineAction({
    input: z.object({
        id: machineId,
        metadata: opaqueValue,
        daemonState: opaqueValue.optional(),
        dataEncryptionKey: dataEncryptionKey.nullish(),
    }),
    async run(deps, caller, input) {
        const { userId } = caller;
        // Read committed: the insert waits for a concurrent insert of the same id and then sees it.
        return inTx(deps.db.prisma, deps.log, async (scope) => {
            const { tx } = scope;
            for (;;) {
                const now = new Date();
                const [created] = await tx.machine.createManyAndReturn({
                    data: [{
                        id: input.id,
                        accountId: userId,
                        metadata: input.metadata,
                        metadataVersion: 1,
                        // Upstream stored an empty state as null with version 0; clients expect that.
                        daemonState: input.daemonState || null,
                        daemonStateVersion: input.daemonState ? 1 : 0,
                        dataEncryptionKey: input.dataEncryptionKey ? Buffer.from(input.dataEncryptionKey, 'base64') : null,
                        // Offline until the daemon reports its state.
                        active: false,
                        lastActiveAt: now,
                        createdAt: now,
                        updatedAt: now,
                    }],
                    skipDuplicates: true,
                });
                if (created) {
                    await queueUpdate(scope, deps.events, {
                        userId,
                        filter: { type: 'user-scoped-only' },
                        body: newMachineBody(machineView(created)),
                    });
                    // Upstream's compatibility copy for daemons that only know update-machine.
                    await queueUpdate(scope, deps.events, {
                        userId,
                        filter: { type: 'machine-scoped-only', machineId: created.id },
                        body: {
                            t: 'update-machine',
                            machineId: created.id,
                            metadata: { version: created.metadataVersion, value: created.metadata },
                        },
                    });
                    return ok({ machine: machineViewWithoutSeq(created) });
                }
                const existing = await tx.machine.findUnique({ where: { id: input.id } });
                if (existing?.accountId === userId) return ok({ machine: machineViewWithoutSeq(existing) });
                if (existing) return fail('conflict', 'Machine id already in use');
                // Deleted between the insert and the read: try again.
            }
        }, { isolation: 'ReadCommitted' });
    },
});
