import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { toBase64 } from './artifactView.ts';

/** Upstream's cap; the app lists artifacts once and then follows the updates. */
const LIST_LIMIT = 200;

/**
 * GET /v1/artifacts (spec rest.md §3.6): the caller's most recently updated artifacts as a bare
 * array, without body and bodyVersion, which are not even read.
 */
export const artifactList = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const rows = await deps.db.prisma.artifact.findMany({
            where: { accountId: caller.userId },
            orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
            take: LIST_LIMIT,
            select: { id: true, header: true, headerVersion: true, dataEncryptionKey: true, seq: true, createdAt: true, updatedAt: true },
        });
        return ok(
            rows.map((row) => ({
                id: row.id,
                header: toBase64(row.header),
                headerVersion: row.headerVersion,
                dataEncryptionKey: toBase64(row.dataEncryptionKey),
                seq: row.seq,
                createdAt: row.createdAt.getTime(),
                updatedAt: row.updatedAt.getTime(),
            })),
        );
    },
});
