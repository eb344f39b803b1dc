import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ATTACHMENT_REQUESTS_LIMIT } from '../../cluster/uploadRequests.ts';
import { attachmentKey } from '../../files/blobKeys.ts';
import { defineAction, fail, ok } from '../action.ts';
import { ownsSession, sessionParams } from '../session/sessionViews.ts';
import { ATTACHMENT_MAX_BYTES, attachmentUrl, linkBase, PRESIGNED_TTL_SECONDS } from './attachmentSchemas.ts';

type UploadTicket =
    | { ref: string; uploadUrl: string; method: 'PUT' }
    | { ref: string; uploadUrl: string; method: 'POST'; formFields: Record<string, string> };

/** `filename` is required and ignored, as upstream; `size` only has to fit the limit. */
export const requestUploadBody = z.object({
    filename: z.string().max(4096),
    size: z.number().min(0).max(ATTACHMENT_MAX_BYTES),
});

/**
 * POST /v1/sessions/:sessionId/attachments/request-upload (spec rest.md §3.3): the per-user
 * rate limit first, then ownership, then a fresh `sessions/<sid>/attachments/<uuid>.enc` with
 * where to send it: a presigned POST policy in S3 mode (the bucket enforces 0..10 MiB), this
 * server's PUT route locally.
 */
export const attachmentRequestUpload = defineAction({
    input: requestUploadBody.extend(sessionParams.shape).extend(linkBase.shape),
    async run(deps, caller, { sessionId, baseUrl }) {
        if (!(await deps.cluster.uploadRequests.consumeUploadRequest(caller.userId))) {
            deps.metrics.httpRateLimited.inc({ limit: ATTACHMENT_REQUESTS_LIMIT });
            return fail('too-many-requests', 'Too many upload requests. Try again in a minute.');
        }
        if (!(await ownsSession(deps.db.prisma, caller.userId, sessionId))) return fail('not-found', 'Session not found');
        const file = `${randomUUID()}.enc`;
        const ref = attachmentKey(sessionId, file);
        if (deps.files.kind === 's3') {
            const post = await deps.files.presignPost(ref, ATTACHMENT_MAX_BYTES, PRESIGNED_TTL_SECONDS);
            return ok<UploadTicket>({ ref, uploadUrl: post.url, method: 'POST', formFields: post.fields });
        }
        return ok<UploadTicket>({ ref, uploadUrl: attachmentUrl(baseUrl, sessionId, file), method: 'PUT' });
    },
});
