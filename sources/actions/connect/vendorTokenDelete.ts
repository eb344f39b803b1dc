import { defineAction, ok } from '../action.ts';
import { vendorParams } from './vendorTokens.ts';

/** DELETE /v1/connect/:vendor: idempotent (upstream answered 500 when there was no key, rest.md weak spot 27). */
export const vendorTokenDelete = defineAction({
    input: vendorParams,
    async run(deps, caller, { vendor }) {
        await deps.db.prisma.serviceAccountToken.deleteMany({ where: { accountId: caller.userId, vendor } });
        return ok({ success: true as const });
    },
});
