import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { base64Bytes, publicKeyHex } from '../schemas.ts';

/** Used challenges are kept for good: a captured login body never mints a token again. */
const USED_CHALLENGE_EXPIRY = new Date('9999-12-31T00:00:00Z');

/**
 * POST /v1/auth: key-pair login. The client signs a challenge of its choosing with its Ed25519
 * account key; the account is created on first sight (keyed by upper-case hex of the key).
 * Unlike upstream, a (key, challenge) pair is accepted once only (spec rest.md §7.1): real
 * clients sign 32 fresh random bytes per login, so only a replay is refused.
 */
export const authLogin = defineAction({
    input: z.object({
        publicKey: base64Bytes,
        challenge: base64Bytes,
        signature: base64Bytes,
    }),
    async run(deps, _caller: null, { publicKey, challenge, signature }) {
        if (publicKey.length !== nacl.sign.publicKeyLength) return fail('unauthorized', 'Invalid public key');
        if (signature.length !== nacl.sign.signatureLength) return fail('unauthorized', 'Invalid signature');
        if (!nacl.sign.detached.verify(challenge, signature, publicKey)) {
            return fail('unauthorized', 'Invalid signature');
        }
        const hexKey = publicKeyHex(publicKey);
        const challengeKey = `auth-challenge:${createHash('sha256').update(publicKey).update(challenge).digest('hex')}`;
        const account = await inTx(deps.db.prisma, deps.log, async ({ tx }) => {
            const fresh = await tx.$queryRaw<unknown[]>`
                INSERT INTO "RepeatKey" ("key", "value", "expiresAt") VALUES (${challengeKey}, ${hexKey}, ${USED_CHALLENGE_EXPIRY})
                ON CONFLICT ("key") DO NOTHING RETURNING "key"`;
            if (fresh.length === 0) return null;
            return tx.account.upsert({
                where: { publicKey: hexKey },
                create: { publicKey: hexKey },
                update: { updatedAt: new Date() },
                select: { id: true },
            });
        }, { isolation: 'ReadCommitted' });
        if (!account) return fail('unauthorized', 'Challenge already used');
        return ok({ success: true, token: await deps.tokens.issue(account.id) });
    },
});
