import { defineSearchAttributeKey, type SearchAttributeType } from '@temporalio/common';

/** The template (or definition name) a run was started from. */
export const BatonTemplate = defineSearchAttributeKey('BatonTemplate', 'KEYWORD');
/** Phases whose gate is open now; `baton inbox` queries this across runs. */
export const BatonPendingGates = defineSearchAttributeKey('BatonPendingGates', 'KEYWORD_LIST');
/** Percent of phases finished (done or skipped). */
export const BatonProgress = defineSearchAttributeKey('BatonProgress', 'INT');
/** What `baton dispatch` chose: `<strategy>:<template|composed>`; the success rates per template read it. */
export const BatonDispatch = defineSearchAttributeKey('BatonDispatch', 'KEYWORD');

/**
 * Every search attribute a Baton namespace needs (public contract): the one list the dev server
 * and the workers register. A new attribute is one more key here.
 */
export const SEARCH_ATTRIBUTES = [BatonTemplate, BatonPendingGates, BatonProgress, BatonDispatch] as const;

/**
 * How each attribute type is named where it is registered: by the Temporal CLI's
 * `--search-attribute name=Type` and `operator search-attribute create --type`, and as
 * temporal.api.enums.v1.IndexedValueType by the operator service.
 */
export const SEARCH_ATTRIBUTE_TYPES = {
  KEYWORD: { cli: 'Keyword', indexed: 2 },
  INT: { cli: 'Int', indexed: 3 },
  KEYWORD_LIST: { cli: 'KeywordList', indexed: 7 },
} as const satisfies Partial<Record<SearchAttributeType, { cli: string; indexed: number }>>;

type BatonAttribute = (typeof SEARCH_ATTRIBUTES)[number];

/** An attribute's type as the registration tools name it. */
export const registrationOf = (key: BatonAttribute) => SEARCH_ATTRIBUTE_TYPES[key.type];
