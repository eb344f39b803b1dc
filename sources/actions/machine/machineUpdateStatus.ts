import { z } from 'zod';
import type { UpdateBody } from '../../events/updates.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { machineId, opaqueValue } from './machineSchemas.ts';
import { machineView } from './machineView.ts';

export const machineStatusBody = z.object({
    active: z.boolean().optional(),
    metadata: opaqueValue.optional(),
    daemonState: opaqueValue.optional(),
});

/**
 * PUT /v1/machines/:id/status (spec workers.md §2.4): the Workers daemon's unversioned status
 * write. Each given value replaces the stored one and bumps its version (no expected version is
 * sent, so there is nothing to compare); the machine always counts as seen now. Unlike the
 * Workers server, the change is announced like the socket writes announce theirs: one
 * `update-machine` (seq taken in the transaction, sent after commit) for new metadata or daemon
 * state, and a `machine-activity` ephemeral when `active` is given. Answers `{machine}`.
 */
export const machineUpdateStatus = defineAction({
    input: machineStatusBody.extend({ id: machineId }),
    async run(deps, caller, { id, active, metadata, daemonState }) {
        const accountId = caller.userId;
        return inTx(deps.db.prisma, deps.log, async (scope) => {
            const { tx } = scope;
            const now = new Date();
            const { count } = await tx.machine.updateMany({
                where: { accountId, id },
                data: {
                    lastActiveAt: now,
                    ...(active !== undefined ? { active } : {}),
                    ...(metadata !== undefined ? { metadata, metadataVersion: { increment: 1 } } : {}),
                    ...(daemonState !== undefined ? { daemonState, daemonStateVersion: { increment: 1 } } : {}),
                },
            });
            if (count === 0) return fail('not-found', 'Machine not found');
            const row = await tx.machine.findUniqueOrThrow({ where: { accountId_id: { accountId, id } } });
            if (metadata !== undefined || daemonState !== undefined) {
                const body: UpdateBody = {
                    t: 'update-machine',
                    machineId: id,
                    ...(metadata !== undefined ? { metadata: { value: metadata, version: row.metadataVersion } } : {}),
                    ...(daemonState !== undefined ? { daemonState: { value: daemonState, version: row.daemonStateVersion } } : {}),
                };
                await queueUpdate(scope, deps.events, { userId: accountId, filter: { type: 'machine-scoped-only', machineId: id }, body });
            }
            if (active !== undefined) {
                scope.afterCommit(() =>
                    deps.events.emitEphemeral({
                        userId: accountId,
                        filter: { type: 'user-scoped-only' },
                        payload: { type: 'machine-activity', id, active, activeAt: now.getTime() },
                    }),
                );
            }
            return ok({ machine: machineView(row) });
        }, { isolation: 'ReadCommitted' });
    },
});
