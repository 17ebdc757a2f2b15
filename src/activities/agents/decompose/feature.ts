/**
 * Reading a feature description without an LLM: which specialists it calls for (their skills
 * named in it) and which resource it is about. Deterministic: the same words give the same answer.
 */
import type { Specialist } from '../../../config';
import { LAYER_AGENTS, LAYERS, type Layer } from '../specialist/layout';

/** The layer a specialist does: its own name when that is a layer, else its agent's layer. */
export function layerOf(name: string, specialist: Specialist): Layer | undefined {
  if ((LAYERS as readonly string[]).includes(name)) return name as Layer;
  return LAYERS.find((layer) => LAYER_AGENTS[layer] === specialist.agent);
}

export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9-]+/)
    .map((w) => w.replace(/^-+|-+$/g, ''))
    .filter(Boolean);
}

/** Specialists whose skills the feature names, in the order of the given list. */
export function calledFor(feature: string, specialists: ReadonlyArray<[string, Specialist]>): string[] {
  const words = new Set(wordsOf(feature));
  return specialists
    .filter(([name, s]) => [name, ...(s.skills ?? [])].some((skill) => words.has(skill.toLowerCase())))
    .map(([name]) => name);
}

const STOP = new Set([
  'a',
  'an',
  'the',
  'new',
  'simple',
  'basic',
  'small',
  'web',
  'rest',
  'restful',
  'json',
  'http',
  'html',
  'with',
  'and',
  'or',
  'for',
  'of',
  'to',
  'in',
  'on',
  'add',
  'adds',
  'build',
  'create',
  'make',
  'write',
  'implement',
  'that',
  'which',
  'some',
  'all',
  'our',
  'my',
  'its',
  'their',
  'page',
  'api',
  'ui',
  'app',
  'list',
  'listing',
  'lists',
  'show',
  'showing',
  'shows',
  'manage',
  'managing',
  'tests',
  'test',
  'docs',
  'service',
  'endpoint',
  'endpoints',
  'screen',
  'view',
  'crud',
  'backend',
  'frontend',
  'data',
  'them',
]);
/** Words a resource stands right before (`books API`) or right after (`listing books`). */
const BEFORE = new Set([
  'api',
  'apis',
  'endpoint',
  'endpoints',
  'service',
  'page',
  'pages',
  'ui',
  'screen',
  'view',
  'crud',
  'store',
  'catalog',
  'catalogue',
  'list',
  'table',
  'resource',
]);
const AFTER = new Set([
  'listing',
  'list',
  'lists',
  'of',
  'manage',
  'managing',
  'show',
  'showing',
  'shows',
  'for',
  'browse',
  'browsing',
  'crud',
]);

export function plural(word: string): string {
  if (word.endsWith('s')) return word;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(sh|ch|x|z)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** The resource a feature is about, plural and lower-case (`books`); `items` when none is named. */
export function resourceOf(feature: string): string {
  const words = wordsOf(feature);
  const usable = (w: string | undefined): w is string =>
    w !== undefined && !STOP.has(w) && /^[a-z][a-z0-9-]*$/.test(w) && w.length > 1;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (BEFORE.has(word) && usable(words[i - 1])) return plural(words[i - 1] as string);
    if (AFTER.has(word) && usable(words[i + 1])) return plural(words[i + 1] as string);
  }
  return 'items';
}
