import type { Deps } from '../../../deps.ts';
import type { AppSocket } from '../socketTypes.ts';

export function registerRpcHandlers(_deps: Deps, _socket: AppSocket): void {}
