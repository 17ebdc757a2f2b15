/**
 * Resource locks: the messages of the `resourceLock` workflow (one per resource, shared by every
 * run that names it) and of its owners, and the lock activities' input. Sandbox-safe.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { LOCK_NAME } from './parallel';

/** The lock workflow's type and id: one workflow per resource, across all runs. */
export const LOCK_WORKFLOW_TYPE = 'resourceLock';
export const lockWorkflowId = (resource: string): string => `baton-lock:${resource}`;

/**
 * The lock chain's settings, by default: how often a lock with waiters checks that its holder's
 * run is still open, and after how many grants one run of it continues as new.
 */
export const LOCK_DEFAULTS = { holderCheckMs: 60_000, grantsPerRun: 300 } as const;

const id = z.string().min(1).max(1000);
export const ResourceSchema = z.string().min(1).max(200).regex(LOCK_NAME, 'a lock name such as "db-schema"');

/** One request for a lock: the owner run it is granted to, and the owner's id for this acquisition. */
export const LockRequestSchema = z.object({
  owner: id,
  ownerRunId: id,
  /** Unique per acquisition (the lead's `<workflowId>/<phase>/<task>/<run>`): a repeat is ignored. */
  request: id,
});
export type LockRequest = z.infer<typeof LockRequestSchema>;

export const LockReleaseSchema = z.object({ request: id });
export type LockRelease = z.infer<typeof LockReleaseSchema>;

/** What the lock sends its owner when the lock is the owner's. */
export const LockGrantSchema = z.object({ resource: ResourceSchema, request: id });
export type LockGrant = z.infer<typeof LockGrantSchema>;

/** The lock workflow's whole state: its input, what it carries over continue-as-new, its query. */
export const LockStateSchema = z.object({
  resource: ResourceSchema,
  holder: LockRequestSchema.optional(),
  /** First in, first granted. */
  queue: z.array(LockRequestSchema).default([]),
  /**
   * Grants delivered since the lock was last idle (it completes then, and the next request starts a
   * new chain at 0), carried over continue-as-new. A grant to an owner that had closed is not one.
   */
  grants: z.number().int().min(0).default(0),
  holderCheckMs: z.number().int().min(100).default(LOCK_DEFAULTS.holderCheckMs),
  grantsPerRun: z.number().int().min(1).default(LOCK_DEFAULTS.grantsPerRun),
});
export type LockState = z.infer<typeof LockStateSchema>;
export type LockStateInput = z.input<typeof LockStateSchema>;

export const lockRequestSignal = defineSignal<[LockRequest]>('lockRequest');
export const lockReleaseSignal = defineSignal<[LockRelease]>('lockRelease');
export const lockGrantedSignal = defineSignal<[LockGrant]>('lockGranted');
export const lockStateQuery = defineQuery<LockState>('lockState');

/** Activity `requestLock`: queues a request at the resource's lock, starting the lock if needed. */
export const RequestLockInputSchema = LockRequestSchema.extend({ resource: ResourceSchema });
export type RequestLockInput = z.infer<typeof RequestLockInputSchema>;

/** Activity `lockHolderOpen`: whether the holder's run is still open (a closed one never releases). */
export const LockHolderOpenInputSchema = LockRequestSchema.pick({ owner: true, ownerRunId: true });
export type LockHolderOpenInput = z.infer<typeof LockHolderOpenInputSchema>;
