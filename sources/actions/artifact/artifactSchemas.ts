import { z } from 'zod';
import { base64Text, expectedVersion, storableString } from '../schemas.ts';

/**
 * Input limits for artifacts. Header and body are client-encrypted bytes sent as strict base64
 * (upstream answered bad base64 with a 500). The header holds a title and a few session ids;
 * the body is the document (upstream's 1 MB socket packet limit capped socket-made ones at that).
 * A create packet (header + body + key) stays far under the 16 MiB Socket.IO packet limit, and
 * the REST body limit fits the largest legal request. Larger bodies also hold the embedded
 * database for seconds per write, and every `new-artifact` carries the whole body.
 */
export const HEADER_MAX_CHARS = 256 * 1024;
export const BODY_MAX_CHARS = 4 * 1024 * 1024;
export const KEY_MAX_CHARS = 4096;
export const ARTIFACT_BODY_LIMIT = 5 * 1024 * 1024;

export const artifactHeader = base64Text(HEADER_MAX_CHARS);
export const artifactBody = base64Text(BODY_MAX_CHARS);
export const artifactKey = base64Text(KEY_MAX_CHARS);

/** New ids must be UUIDs (zod's rule, as upstream's REST route used it; the nil and max UUIDs pass). */
export const newArtifactId = z.uuid();

/**
 * Ids of existing artifacts: upstream's socket create took any string, so stored ids need not be
 * UUIDs. Unknown ones are simply not found.
 */
export const artifactId = storableString(z.string().min(1).max(1024));

/** A versioned write of one part, in the socket's shape, which is also the action's. */
const part = (data: z.ZodType<string>) => z.object({ data, expectedVersion });

/** `null` stands for an absent part, as upstream's truthiness check had it. */
export const artifactChanges = {
    header: part(artifactHeader).nullish(),
    body: part(artifactBody).nullish(),
};

export type ArtifactPart = 'header' | 'body';
export const ARTIFACT_PARTS: readonly ArtifactPart[] = ['header', 'body'];

/** REST routes name the id `:id`; the actions take the socket's `artifactId`. */
export const artifactParams = z.object({ id: artifactId }).transform(({ id }) => ({ artifactId: id }));
