/**
 * The offline classifier's tables (seed 002's keywords per workflow type), and the templates each
 * type runs. Adding a keyword, a type's template or a component is one entry. Keywords match whole
 * words (or hyphenated phrases) of the lower-cased request and context values.
 */
import type { WorkflowType } from './decision';

/** Per type, keyword → weight. A type's score is the sum over the keywords the request holds. */
export const TYPE_KEYWORDS = {
  'project-management': {
    implement: 1,
    build: 1,
    create: 0.75,
    develop: 1,
    project: 1.5,
    feature: 1.5,
    system: 0.75,
    application: 1,
    app: 0.75,
    'user-story': 1.5,
    roadmap: 1.5,
    milestone: 1.5,
    'full-stack': 2,
    management: 0.5,
    profile: 0.5,
    dashboard: 0.5,
    epic: 1.5,
    sprint: 1.5,
  },
  research: {
    research: 2.5,
    analyze: 1.5,
    analyse: 1.5,
    investigate: 2,
    study: 2,
    compare: 2,
    comparison: 2,
    competitive: 2,
    market: 1.5,
    landscape: 1.5,
    survey: 2,
    evaluate: 1.25,
    explore: 1.25,
    alternatives: 1.5,
    'state-of-the-art': 2,
    trends: 1.5,
    benchmark: 1,
  },
  'security-audit': {
    security: 2,
    audit: 2.5,
    vulnerability: 2.5,
    vulnerabilities: 2.5,
    compliance: 2,
    penetration: 2.5,
    pentest: 2.5,
    secure: 0.75,
    cve: 2,
    owasp: 2.5,
    threat: 1.5,
    secrets: 1.5,
    hardening: 1.5,
  },
  development: {
    code: 1,
    api: 1.5,
    rest: 1.25,
    backend: 1,
    frontend: 1,
    database: 1,
    service: 1,
    endpoint: 1.25,
    endpoints: 1.25,
    crud: 1.5,
    module: 1,
    library: 1,
    function: 0.75,
    functions: 0.75,
    refactor: 1.5,
    rust: 1,
    python: 1,
    java: 1,
    typescript: 1,
    javascript: 1,
    node: 1,
    express: 1.25,
    spring: 1.25,
    'spring-boot': 1.5,
    postgresql: 1,
    postgres: 1,
    graphql: 1.25,
    microservice: 1.25,
    react: 0.75,
  },
  /** Seed 002's "unique combinations, specialized requirements, novel approaches". */
  custom: {
    'blue-green': 3,
    canary: 3,
    rollback: 2.5,
    'real-time': 2,
    realtime: 2,
    collaborative: 2,
    'conflict-resolution': 2,
    migration: 2,
    migrate: 2,
    orchestrate: 1.5,
    automated: 1,
    automation: 1,
    pipeline: 1.5,
    workflow: 1,
    monitoring: 1,
    alerting: 1.5,
    backup: 2,
    'disaster-recovery': 3,
    failover: 2.5,
    'zero-downtime': 2.5,
    crdt: 3,
    scheduler: 1.5,
    nightly: 1.5,
    rotation: 1.5,
  },
} as const satisfies Record<WorkflowType, Record<string, number>>;

/**
 * Components a request names: their count drives complexity, and the composer reads them. A
 * component is matched by any of its words.
 */
export const COMPONENTS = {
  frontend: ['frontend', 'ui', 'react', 'vue', 'web', 'page', 'pages'],
  backend: ['backend', 'server', 'service', 'api', 'rest', 'graphql', 'endpoint', 'endpoints'],
  database: ['database', 'postgresql', 'postgres', 'mysql', 'sql', 'schema', 'storage'],
  auth: ['authentication', 'auth', 'login', 'oauth2', 'oauth', 'jwt', 'sso'],
  testing: ['test', 'tests', 'testing', 'qa'],
  deployment: ['deploy', 'deployment', 'release', 'rollout', 'blue-green', 'canary', 'ship'],
  rollback: ['rollback', 'revert', 'failover'],
  monitoring: ['monitoring', 'alerting', 'metrics', 'observability', 'logging'],
  research: ['research', 'investigate', 'compare', 'study', 'survey', 'evaluate'],
  realtime: ['real-time', 'realtime', 'collaborative', 'websocket', 'websockets'],
  docs: ['docs', 'documentation', 'readme'],
} as const satisfies Record<string, readonly string[]>;
export type Component = keyof typeof COMPONENTS;

/** Words that say "and make it thorough": each adds one to the complexity score. */
export const EMPHASIS = [
  'comprehensive',
  'complete',
  'end-to-end',
  'production-ready',
  'enterprise',
  'scalable',
];

/** A template a type may run: `base` plus one per word of the request in `words` is its score. */
export interface TemplateCandidate {
  template: string;
  base: number;
  words: readonly string[];
}

/**
 * The templates each type may run, best first, with the words that favour one over another. A
 * template that is not installed is passed over; a type with none installed is composed instead.
 * Candidates that score the same are a tie, broken by their success rate in past dispatches.
 */
export const TYPE_TEMPLATES = {
  'project-management': [
    { template: 'project', base: 2, words: [] },
    { template: 'hybrid-feature', base: 0.5, words: ['web', 'page', 'frontend', 'ui'] },
    { template: 'feature-parallel', base: 0.5, words: ['parallel', 'specialists'] },
  ],
  research: [
    { template: 'research', base: 1, words: [] },
    { template: 'issue-analysis', base: 0, words: ['issue', 'bug', 'ticket'] },
  ],
  'security-audit': [{ template: 'security-audit', base: 1, words: [] }],
  development: [
    { template: 'node-express-api', base: 1, words: ['node', 'express', 'javascript', 'typescript', 'npm'] },
    {
      template: 'java-springboot-api',
      base: 1,
      words: ['java', 'spring', 'spring-boot', 'springboot', 'maven', 'gradle', 'kotlin'],
    },
    {
      template: 'sdlc',
      base: 0.5,
      words: ['module', 'library', 'utility', 'utilities', 'package', 'slugify'],
    },
    { template: 'pr-review', base: 0, words: ['pull-request', 'pr', 'diff', 'review'] },
  ],
  custom: [],
} as const satisfies Record<WorkflowType, ReadonlyArray<TemplateCandidate>>;

/** Template params that take the request itself when the request does not set them otherwise. */
export const REQUEST_PARAMS = [
  'requirement',
  'requirements',
  'feature',
  'query',
  'request',
  'title',
  'target',
  'description',
];

/**
 * Per-agent estimate when no past run tells: milliseconds of work and LLM tokens of one phase.
 * Offline agents use no tokens; `llmTokens` applies when an LLM is configured.
 */
export const AGENT_DEFAULTS: Record<string, { ms: number; llmTokens: number }> = {
  'api-spec': { ms: 5_000, llmTokens: 4_000 },
  codegen: { ms: 15_000, llmTokens: 12_000 },
  review: { ms: 5_000, llmTokens: 6_000 },
  build: { ms: 60_000, llmTokens: 0 },
  design: { ms: 3_000, llmTokens: 3_000 },
  deploy: { ms: 3_000, llmTokens: 0 },
  research: { ms: 10_000, llmTokens: 5_000 },
  decompose: { ms: 5_000, llmTokens: 6_000 },
  requirements: { ms: 3_000, llmTokens: 3_000 },
  'pull-request': { ms: 10_000, llmTokens: 0 },
};
export const UNKNOWN_AGENT_DEFAULT = { ms: 30_000, llmTokens: 8_000 };
/** A parallel phase: its tasks run side by side, plus the merge. */
export const PARALLEL_DEFAULT = { ms: 120_000, llmTokens: 30_000 };
/** US dollars per LLM token for the estimate, when the model's price is not known here. */
export const DEFAULT_USD_PER_TOKEN = 0.000_005;
