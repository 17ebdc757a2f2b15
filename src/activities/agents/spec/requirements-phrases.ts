/** The phrases of a requirements text: sentences, lists, noun phrases and resource names. */
import { isPlural, plural } from './naming';
import { COLLECTION_WORDS, PLACES, SERVICE_WORDS, STOP, VERBS } from './requirements-words';

/** The sentences of a text: lines, bullets and sentence ends split it; parentheses stay whole. */
export function sentences(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/\r/g, '')
    .replace(/\be\.g\.|\bi\.e\./g, ' ')
    .replace(/\((optional|required|mandatory)\)/g, ' $1 ')
    .split('\n')
    .map((line) => line.replace(/^\s*(?:[-*•+]|\d+[.)])\s+/, ''))
    .flatMap((line) => line.split(/[.!?;](?:\s+|$)/))
    .map((s) =>
      s
        .replace(/[^a-z0-9(),:&/' -]+/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
}

/** Splits a list on commas, "and", "or", "&", "as well as" (outside parentheses). */
export function items(list: string): string[] {
  return list
    .split(/\s*,\s*|\s+(?:and|or|as well as|plus)\s+|\s*&\s*|\s*\/\s*/)
    .map((item) => item.replace(/^(?:and|or|plus)\s+|\s+(?:and|or)$/g, '').trim())
    .filter((item) => item && item !== 'and' && item !== 'or');
}

export const tokens = (text: string) => text.split(/[^a-z0-9-]+/).filter(Boolean);
// "list" is a verb in "list books" and a collection in "a todo list": in a noun phrase, the latter.
export const content = (word: string) => !STOP.has(word) && (!VERBS.has(word) || COLLECTION_WORDS.has(word));

/**
 * Splits off the noun phrase that ends a text ("each order" → order; at most two words, [] when
 * none), and returns the words before it.
 */
export function splitNoun(text: string): { noun: string[]; rest: string } {
  const words = tokens(text);
  while (words.length && !content(words[words.length - 1]!)) words.pop();
  const noun: string[] = [];
  while (words.length && content(words[words.length - 1]!) && noun.length < 2) noun.unshift(words.pop()!);
  return { noun, rest: words.join(' ') };
}

/** The runs of content words in a text: "agents are assigned tickets" → [agents], [tickets]. */
export function nounRuns(text: string): string[][] {
  const runs: string[][] = [[]];
  for (const word of tokens(text)) {
    if (content(word)) runs[runs.length - 1]!.push(word);
    else if (runs[runs.length - 1]!.length) runs.push([]);
  }
  // Three or more words in a row are a subject, a verb the tables miss and an object ("members
  // book classes"), and so is a plural before a singular ("candidates apply"); else a noun ("order items").
  return runs
    .filter((run) => run.length)
    .flatMap((run) => {
      if (run.length > 2) return [[run[0]!], [run[run.length - 1]!]];
      return run.length === 2 && isPlural(run[0]!) && !isPlural(run[1]!) ? [[run[0]!]] : [run];
    });
}

/** A noun phrase as a resource name: `order items` → `order-items`, `user management` → `users`. */
export function resourceName(noun: readonly string[]): string | undefined {
  let words = [...noun];
  const collection = words.findIndex((w) => COLLECTION_WORDS.has(w));
  if (collection > 0) words = words.slice(0, collection);
  words = words.filter((w) => content(w) && !SERVICE_WORDS.has(w) && !PLACES.has(w));
  if (words.length === 0 || words.length > 2) return undefined;
  const name = plural(words.join('-'));
  return /^[a-z][a-z0-9-]{0,40}$/.test(name) ? name : undefined;
}

/** True when the noun phrase asks for a resource: a plural, or "X management" / "X list". */
export function namesResource(noun: readonly string[]): boolean {
  const last = noun[noun.length - 1];
  return last !== undefined && (isPlural(last) || (noun.length > 1 && COLLECTION_WORDS.has(last)));
}
