import type { Deps } from '../../deps.ts';
import { compareAndSetField } from '../compareAndSetField.ts';

/**
 * The compare-and-set of a machine field (spec realtime.md §7.9-§7.10), announced with
 * `update-machine` to the machine's daemon and the apps.
 */
export function updateMachineField(
    deps: Deps,
    userId: string,
    machineId: string,
    field: 'metadata' | 'daemonState',
    value: string,
    expectedVersion: number,
) {
    return compareAndSetField(
        deps,
        { field: `machine.${field}`, id: machineId, accountId: userId, value, expectedVersion },
        (version) => ({
            filter: { type: 'machine-scoped-only', machineId },
            body: { t: 'update-machine', machineId, [field]: { value, version } },
        }),
    );
}
