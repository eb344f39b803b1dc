import { defineAction, ok } from '../action.ts';
import { notifyFriend } from './friendNotify.ts';
import { friendInput, setStatus, stepRelationship } from './relationships.ts';

/**
 * POST /v1/friends/add (spec rest.md §3.10): accepts the target's request, or asks the target,
 * or changes nothing, and answers with the target as the caller now sees it. Oneself and
 * missing accounts keep upstream's 200 `{user:null}`, which the app shows as "cannot add".
 */
export const friendAdd = defineAction({
    input: friendInput,
    async run(deps, caller, { uid }) {
        if (uid === caller.userId) return ok({ user: null });
        const user = await stepRelationship(deps, caller.userId, uid, async (scope, { callerId, targetId, cur, oth }) => {
            const { tx } = scope;
            if (oth === 'requested') {
                await setStatus(tx, targetId, callerId, 'friend');
                await setStatus(tx, callerId, targetId, 'friend');
                await notifyFriend(scope, deps.events, 'friend_accepted', callerId, targetId);
                await notifyFriend(scope, deps.events, 'friend_accepted', targetId, callerId);
            } else if (cur === 'none' || cur === 'rejected') {
                await setStatus(tx, callerId, targetId, 'requested');
                if (oth === 'none') await setStatus(tx, targetId, callerId, 'pending');
                await notifyFriend(scope, deps.events, 'friend_request', targetId, callerId);
            }
        });
        return ok({ user });
    },
});
