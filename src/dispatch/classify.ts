/**
 * The offline classifier: deterministic scores from the keyword tables, a complexity score from the
 * components the request names, and the strategy that follows. Pure; the same request always gets
 * the same answer.
 */
import { type Complexity, type Strategy, type WorkflowType, WORKFLOW_TYPES } from './decision';
import { type Component, COMPONENTS, EMPHASIS, TYPE_KEYWORDS } from './tables';

export interface Classification {
  workflowType: WorkflowType;
  /** Every type's score, for the reasoning and `--explain`. */
  scores: Record<WorkflowType, number>;
  /** The keywords that matched, per type. */
  matched: Record<WorkflowType, string[]>;
  components: Component[];
  complexity: Complexity;
  complexityScore: number;
  /** `hybrid` when the request asks for research and then building; otherwise decided later. */
  hybrid: boolean;
  /** The request's words (lower-case, hyphenated phrases joined), for the template tables. */
  words: Set<string>;
}

/** Below this, no type is recognised and the request is custom. */
const MIN_SCORE = 1;
/** Research and building each at least this strong make a research-then-build hybrid. */
const HYBRID_SCORE = 1.5;
/** Frontend and backend at once is a project (seed 002: "Build user profile management with React frontend and Rust backend"). */
const FULL_STACK: Component[] = ['frontend', 'backend'];
const FULL_STACK_BONUS = 3;
/** A hybrid builds something after the research: one of these verbs says so. */
const BUILD_VERBS = ['build', 'implement', 'create', 'develop', 'write', 'make'];

/** Lower-case words, plus each adjacent pair joined with "-" so "blue green" matches "blue-green". */
export function wordsOf(text: string): Set<string> {
  const tokens = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}+#-]+/u)
    .flatMap((t) => [t, ...(t.includes('-') ? t.split('-') : [])])
    .filter(Boolean);
  const plain = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const pairs = plain.slice(1).map((word, i) => `${plain[i]}-${word}`);
  return new Set([...tokens, ...pairs]);
}

function score(words: Set<string>) {
  const scores = {} as Record<WorkflowType, number>;
  const matched = {} as Record<WorkflowType, string[]>;
  for (const type of WORKFLOW_TYPES) {
    const table: Record<string, number> = TYPE_KEYWORDS[type];
    matched[type] = Object.keys(table).filter((k) => words.has(k));
    scores[type] = matched[type].reduce((sum, k) => sum + (table[k] ?? 0), 0);
  }
  return { scores, matched };
}

function complexityOf(words: Set<string>, components: Component[], text: string, contextKeys: number) {
  const emphasis = EMPHASIS.filter((w) => words.has(w)).length;
  const long = text.split(/\s+/).length > 25 ? 1 : 0;
  const value = components.length + emphasis + long + Math.floor(contextKeys / 2);
  const complexity: Complexity = value <= 1 ? 'simple' : value <= 3 ? 'moderate' : 'complex';
  return { value, complexity };
}

/** Classifies a request (and its `--context` values, which count as words too). */
export function classify(request: string, context: Record<string, string> = {}): Classification {
  const text = [request, ...Object.values(context)].join(' ');
  const words = wordsOf(text);
  const { scores, matched } = score(words);
  const components = (Object.keys(COMPONENTS) as Component[]).filter((c) =>
    COMPONENTS[c].some((w) => words.has(w)),
  );
  if (FULL_STACK.every((l) => components.includes(l))) scores['project-management'] += FULL_STACK_BONUS;
  const { value, complexity } = complexityOf(words, components, request, Object.keys(context).length);

  // Ties go to the earlier type in WORKFLOW_TYPES; custom only wins outright or by default.
  const ranked = [...WORKFLOW_TYPES].sort((a, b) => scores[b] - scores[a]);
  let workflowType = ranked[0] as WorkflowType;
  if (scores[workflowType] < MIN_SCORE) workflowType = 'custom';
  const building = Math.max(scores.development, scores['project-management']);
  const hybrid =
    workflowType !== 'custom' &&
    workflowType !== 'security-audit' &&
    scores.research >= HYBRID_SCORE &&
    building >= HYBRID_SCORE &&
    components.includes('research') &&
    BUILD_VERBS.some((v) => words.has(v));
  return { workflowType, scores, matched, components, complexity, complexityScore: value, hybrid, words };
}

/** The strategy a classification asks for, before knowing which templates exist. */
export const strategyOf = (c: Classification): Strategy =>
  c.workflowType === 'custom' ? 'compose' : c.hybrid ? 'hybrid' : 'template';
