/**
 * English plural-to-singular naming for resources (`categories` → `Category`), with the
 * `pluralize` library: its rules and irregulars (people, children, statuses, series, news, ...)
 * are better kept than a table of our own.
 */
import pluralize from 'pluralize';

// Where pluralize's answer is wrong for an API resource: "data" stays data, not datum.
for (const word of ['data', 'metadata', 'sms']) pluralize.addUncountableRule(word);
pluralize.addIrregularRule('cookie', 'cookies');

/**
 * `todos` → `todo`, `categories` → `category`, `statuses` → `status`, `people` → `person`,
 * `news` → `news`. In a compound name only the last part is a noun: `order-items` → `order-item`.
 */
export function singular(word: string): string {
  const cut = Math.max(word.lastIndexOf('-'), word.lastIndexOf('_'));
  const head = word.slice(0, cut + 1);
  const last = word.slice(cut + 1);
  return last ? head + pluralize.singular(last) : word;
}

/** `book` → `books`, `order-item` → `order-items`; a plural stays as it is. */
export function plural(word: string): string {
  const cut = Math.max(word.lastIndexOf('-'), word.lastIndexOf('_'));
  const head = word.slice(0, cut + 1);
  const last = word.slice(cut + 1);
  return last ? head + pluralize.plural(last) : word;
}

/** True for a word that is plural and not also singular: `books`, not `news`, `status` or `data`. */
export function isPlural(word: string): boolean {
  return pluralize.isPlural(word) && !pluralize.isSingular(word);
}
