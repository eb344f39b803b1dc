import { z } from 'zod';
import { sessionIdSchema } from '../session/sessionViews.ts';
import { MiB } from '../upload/uploadSchemas.ts';

/** Upstream's constants (spec storage.md §3.4). */
export const ATTACHMENT_MAX_BYTES = 10 * MiB;
export const PRESIGNED_TTL_SECONDS = 900;

/** Upstream's file part of a ref, `<random UUID v4>.enc`; the only name a local PUT accepts. */
export const ISSUED_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.enc$/;

/**
 * Where attachment links point: PUBLIC_URL when set, else the origin the client itself called
 * (the route adds it; upstream also believed X-Forwarded-Host/Proto, storage.md S7).
 */
export const linkBase = z.object({ baseUrl: z.string() });

export const attachmentParams = z.object({ sessionId: sessionIdSchema, attachmentFile: z.string().min(1).max(255) });

/** What local mode hands out for uploading and downloading one attachment (both need the bearer token). */
export const attachmentUrl = (baseUrl: string, sessionId: string, file: string) =>
    `${baseUrl}/v1/sessions/${sessionId}/attachments/${file}`;
