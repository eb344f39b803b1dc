import type { Deps } from '../../../deps.ts';
import type { AppSocket } from '../socketTypes.ts';

export function registerSessionHandlers(_deps: Deps, _socket: AppSocket): void {}
