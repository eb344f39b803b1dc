import { defineAction, ok } from '../action.ts';
import { friendInput, setStatus, stepRelationship } from './relationships.ts';

/**
 * POST /v1/friends/remove (spec rest.md §3.10): cancels the caller's request, unfriends, or
 * declines an incoming request; no feed items, no updates. Missing accounts answer
 * `{user:null}` as upstream did.
 *
 * Fixed against upstream (rest.md §7.22): after unfriending, the reply carries the caller's
 * stored status (`pending`, the other side now looks like it asked) instead of `requested`,
 * so it agrees with GET /v1/friends. Every reply is the stored status.
 */
export const friendRemove = defineAction({
    input: friendInput,
    async run(deps, caller, { uid }) {
        const user = await stepRelationship(deps, caller.userId, uid, async ({ tx }, { callerId, targetId, cur, oth }) => {
            if (cur === 'requested') {
                await setStatus(tx, callerId, targetId, 'rejected');
            } else if (cur === 'friend') {
                await setStatus(tx, targetId, callerId, 'requested');
                await setStatus(tx, callerId, targetId, 'pending');
            } else if (cur === 'pending') {
                await setStatus(tx, callerId, targetId, 'none');
                if (oth !== 'rejected' && oth !== 'none') await setStatus(tx, targetId, callerId, 'none');
            }
        });
        return ok({ user });
    },
});
