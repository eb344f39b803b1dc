import type { Deps } from '../../../deps.ts';
import type { AppSocket } from '../socketTypes.ts';

export function registerMachineHandlers(_deps: Deps, _socket: AppSocket): void {}
