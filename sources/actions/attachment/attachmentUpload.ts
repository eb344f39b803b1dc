import { Readable } from 'node:stream';
import { z } from 'zod';
import { attachmentKey } from '../../files/blobKeys.ts';
import { defineAction, fail, ok } from '../action.ts';
import { ownsSession } from '../session/sessionViews.ts';
import { ATTACHMENT_MAX_BYTES, attachmentParams, ISSUED_NAME } from './attachmentSchemas.ts';

const TOO_LARGE = 'File too large (max 10MB)';

/**
 * PUT /v1/sessions/:sessionId/attachments/:attachmentFile (spec rest.md §3.3, local mode): the
 * encrypted bytes streamed to disk and moved into place whole. Upstream's checks and bodies, in
 * its order; beyond upstream (storage.md S5): only names of the issued form `<uuid>.enc`, a
 * declared Content-Length over 10 MiB is refused before a byte is read, a body that passes the
 * limit is never held in memory, and an empty or non-octet-stream body is a 400 (upstream: 500).
 */
export const attachmentUpload = defineAction({
    input: attachmentParams.extend({
        /** The request's Content-Length, when it declared one. */
        declaredSize: z.number().optional(),
        body: z.unknown(),
    }),
    async run(deps, caller, { sessionId, attachmentFile, declaredSize, body }) {
        if (deps.files.kind === 's3') return fail('not-found', 'Direct upload not available in S3 mode');
        if (!(await ownsSession(deps.db.prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        if (!ISSUED_NAME.test(attachmentFile)) return fail('not-found', 'Invalid attachment file');
        if (declaredSize !== undefined && declaredSize > ATTACHMENT_MAX_BYTES) return fail('too-large', TOO_LARGE);
        if (!(body instanceof Readable)) return fail('bad-request', 'Attachment body must be application/octet-stream');
        const spooled = await deps.files.spool(body, ATTACHMENT_MAX_BYTES);
        if (spooled === 'too-large') return fail('too-large', TOO_LARGE);
        try {
            if (spooled.size === 0) return fail('bad-request', 'Attachment is empty');
            await deps.files.putFile(attachmentKey(sessionId, attachmentFile), spooled, 'application/octet-stream');
        } finally {
            await deps.files.discard(spooled);
        }
        return ok({ ok: true });
    },
});
