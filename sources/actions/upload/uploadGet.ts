import { defineAction, fail, ok } from '../action.ts';
import { fileView, findFile } from './uploadedFiles.ts';
import { uploadIdParams } from './uploadSchemas.ts';

/** GET /v1/uploads/:id (spec workers.md §2.4): the file and where to download it. */
export const uploadGet = defineAction({
    input: uploadIdParams,
    async run(deps, caller, { id }) {
        const file = await findFile(deps.db.prisma, caller.userId, id);
        if (!file) return fail('not-found', 'File not found');
        return ok({ file: fileView(file), url: `/v1/uploads/${file.id}/download` });
    },
});
