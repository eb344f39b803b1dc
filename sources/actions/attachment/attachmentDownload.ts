import { attachmentKey, isPlainFileName } from '../../files/blobKeys.ts';
import type { BlobRead } from '../../files/blobStore.ts';
import { defineAction, fail, ok } from '../action.ts';
import { ownsSession } from '../session/sessionViews.ts';
import { attachmentParams, PRESIGNED_TTL_SECONDS } from './attachmentSchemas.ts';

export type AttachmentDownload = { blob: BlobRead } | { redirect: string };

/**
 * GET /v1/sessions/:sessionId/attachments/:attachmentFile (spec rest.md §3.3): the owner's
 * bytes, streamed from disk locally, a redirect to a 15-minute presigned GET in S3 mode.
 */
export const attachmentDownload = defineAction({
    input: attachmentParams,
    async run(deps, caller, { sessionId, attachmentFile }) {
        if (!(await ownsSession(deps.db.prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        if (!isPlainFileName(attachmentFile)) return fail('not-found', 'Invalid attachment file');
        const key = attachmentKey(sessionId, attachmentFile);
        if (deps.files.kind === 's3') return ok<AttachmentDownload>({ redirect: await deps.files.presignGet(key, PRESIGNED_TTL_SECONDS) });
        const blob = await deps.files.get(key);
        return blob ? ok<AttachmentDownload>({ blob }) : fail('not-found', 'Attachment not found');
    },
});
