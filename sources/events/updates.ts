import { randomInt } from 'node:crypto';

/**
 * Bodies of the persistent `update` event and the `ephemeral` payloads, with the exact field
 * names and key order of spec realtime.md §6. Optional keys are left out (never null) where the
 * spec says "omitted".
 */

export interface MessageView {
    id: string;
    seq: number;
    content: unknown;
    localId: string | null;
    createdAt: number;
    updatedAt: number;
}

export interface SessionView {
    id: string;
    seq: number;
    metadata: string;
    metadataVersion: number;
    agentState: string | null;
    agentStateVersion: number;
    dataEncryptionKey: string | null;
    active: boolean;
    activeAt: number;
    createdAt: number;
    updatedAt: number;
}

export interface MachineView {
    id: string;
    metadata: string;
    metadataVersion: number;
    daemonState: string | null;
    daemonStateVersion: number;
    dataEncryptionKey: string | null;
    seq: number;
    active: boolean;
    activeAt: number;
    createdAt: number;
    updatedAt: number;
}

export type Versioned<T> = { value: T; version: number };

export type UpdateBody =
    | { t: 'new-message'; sid: string; message: MessageView }
    | ({ t: 'new-session' } & SessionView)
    | { t: 'update-session'; id: string; metadata?: Versioned<string>; agentState?: Versioned<string | null> }
    | { t: 'delete-session'; sid: string }
    | ({ t: 'new-machine'; machineId: string } & Omit<MachineView, 'id'>)
    | { t: 'update-machine'; machineId: string; metadata?: Versioned<string>; daemonState?: Versioned<string> }
    | { t: 'delete-machine'; machineId: string };

export interface UpdateEnvelope {
    id: string;
    seq: number;
    body: UpdateBody;
    createdAt: number;
}

export type EphemeralPayload =
    | { type: 'activity'; id: string; active: boolean; activeAt: number; thinking: boolean }
    | { type: 'machine-activity'; id: string; active: boolean; activeAt: number };

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 12 random alphanumerics, like upstream's update ids. */
export function updateId(): string {
    let id = '';
    for (let i = 0; i < 12; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
    return id;
}

export function envelope(seq: number, body: UpdateBody): UpdateEnvelope {
    return { id: updateId(), seq, body, createdAt: Date.now() };
}

export function newSessionBody(session: SessionView): UpdateBody {
    return {
        t: 'new-session',
        id: session.id,
        seq: session.seq,
        metadata: session.metadata,
        metadataVersion: session.metadataVersion,
        agentState: session.agentState,
        agentStateVersion: session.agentStateVersion,
        dataEncryptionKey: session.dataEncryptionKey,
        active: session.active,
        activeAt: session.activeAt,
        createdAt: session.createdAt,
        updatedAt: session.updatedAt,
    };
}

export function newMachineBody(machine: MachineView): UpdateBody {
    return {
        t: 'new-machine',
        machineId: machine.id,
        seq: machine.seq,
        metadata: machine.metadata,
        metadataVersion: machine.metadataVersion,
        daemonState: machine.daemonState,
        daemonStateVersion: machine.daemonStateVersion,
        dataEncryptionKey: machine.dataEncryptionKey,
        active: machine.active,
        activeAt: machine.activeAt,
        createdAt: machine.createdAt,
        updatedAt: machine.updatedAt,
    };
}
