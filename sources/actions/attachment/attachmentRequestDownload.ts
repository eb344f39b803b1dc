import { z } from 'zod';
import { attachmentPrefix, isPlainFileName } from '../../files/blobKeys.ts';
import { defineAction, fail, ok } from '../action.ts';
import { ownsSession, sessionParams } from '../session/sessionViews.ts';
import { attachmentUrl, linkBase, PRESIGNED_TTL_SECONDS } from './attachmentSchemas.ts';

export const requestDownloadBody = z.object({ ref: z.string().max(1024) });

/**
 * POST /v1/sessions/:sessionId/attachments/request-download (spec rest.md §3.3): a ref of this
 * session becomes a link, presigned for 15 minutes in S3 mode, this server's authenticated GET
 * locally. Existence is not checked (upstream). Beyond upstream's `/` and `..` checks, the file
 * part must be a plain file name.
 */
export const attachmentRequestDownload = defineAction({
    input: requestDownloadBody.extend(sessionParams.shape).extend(linkBase.shape),
    async run(deps, caller, { sessionId, ref, baseUrl }) {
        if (!(await ownsSession(deps.db.prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        const prefix = attachmentPrefix(sessionId);
        if (!ref.startsWith(prefix)) return fail('bad-request', 'Ref does not belong to this session');
        const file = ref.slice(prefix.length);
        if (!isPlainFileName(file)) return fail('bad-request', 'Invalid attachment ref');
        const downloadUrl =
            deps.files.kind === 's3' ? await deps.files.presignGet(ref, PRESIGNED_TTL_SECONDS) : attachmentUrl(baseUrl, sessionId, file);
        return ok({ downloadUrl });
    },
});
