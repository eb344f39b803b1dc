import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { CATEGORIES, fileView, listFiles, type FileRecord } from './uploadedFiles.ts';

/** `<createdAt ms>_<id>` of the last file of a page: keyset paging that survives deletions. */
const CURSOR = /^(\d{1,15})_([A-Za-z0-9]{1,64})$/;
const cursorOf = (file: FileRecord) => `${file.createdAt.getTime()}_${file.id}`;

/**
 * GET /v1/uploads (spec workers.md §2.4): the caller's files, newest first, `nextCursor` only
 * when there are more. The Workers server ignored `category` and found a cursor only among the
 * first page's rows; here both work, and an unreadable cursor is a 400.
 */
export const uploadList = defineAction({
    input: z.object({
        category: z.enum(CATEGORIES).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z.string().max(100).optional(),
    }),
    async run(deps, caller, { category, limit, cursor }) {
        let after: { createdAt: Date; id: string } | undefined;
        if (cursor) {
            const match = CURSOR.exec(cursor);
            if (!match) return fail('bad-request', 'Invalid cursor format');
            after = { createdAt: new Date(Number(match[1])), id: match[2]! };
        }
        const rows = await listFiles(deps.db.prisma, caller.userId, { category, limit: limit + 1, after });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return ok({
            files: page.map(fileView),
            ...(rows.length > limit && last && { nextCursor: cursorOf(last) }),
        });
    },
});
