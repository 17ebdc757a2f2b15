import { defineSearchAttributeKey } from '@temporalio/common';

/** The template (or definition name) a run was started from. */
export const BatonTemplate = defineSearchAttributeKey('BatonTemplate', 'KEYWORD');
/** Phases whose gate is open now; `baton inbox` queries this across runs. */
export const BatonPendingGates = defineSearchAttributeKey('BatonPendingGates', 'KEYWORD_LIST');
/** Percent of phases finished (done or skipped). */
export const BatonProgress = defineSearchAttributeKey('BatonProgress', 'INT');
