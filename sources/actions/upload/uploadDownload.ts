import { defineAction, fail, ok } from '../action.ts';
import { findFile } from './uploadedFiles.ts';
import { uploadIdParams } from './uploadSchemas.ts';

/**
 * GET /v1/uploads/:id/download (spec workers.md §2.4): the caller's file, streamed from the
 * store in both modes with the content type recorded at upload.
 */
export const uploadDownload = defineAction({
    input: uploadIdParams,
    async run(deps, caller, { id }) {
        const file = await findFile(deps.db.prisma, caller.userId, id);
        if (!file) return fail('not-found', 'File not found');
        const blob = await deps.files.get(file.path);
        if (!blob) return fail('not-found', 'File not found in storage');
        return ok({ blob, contentType: file.contentType });
    },
});
