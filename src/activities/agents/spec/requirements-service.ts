/** The service name a requirements text suggests: "a REST API for a library" → `library-service`. */
import { singular } from './naming';
import { COLLECTION_WORDS, PLACES, SERVICE_WORDS, STOP, VERBS } from './requirements-words';

const KIND = '(?:api|service|backend|system|app|application|platform|portal)';
/** "an API for a library", "a service to manage books". */
const FOR = new RegExp(
  `\\b${KIND}\\s+(?:for|to manage|managing|of)\\s+((?:[a-z][a-z-]*\\s?){1,4}?)(?=$|[:,.;(\\n]|\\s(?:with|where|that|which|and|where|so|to|in)\\b)`,
);
/** "a library system", "the todo app". */
const BEFORE = new RegExp(`\\b((?:[a-z][a-z-]*\\s){1,3})${KIND}\\b`);

function nameOf(words: string): string | undefined {
  const kept = words
    .split(/[^a-z0-9-]+/)
    .filter((w) => w && !STOP.has(w) && !VERBS.has(w) && !COLLECTION_WORDS.has(w) && !SERVICE_WORDS.has(w))
    .slice(-2)
    .map((w) => (PLACES.has(w) ? w : singular(w)));
  const name = kept.join('-');
  return name && /^[a-z][a-z0-9-]{0,50}$/.test(name) ? `${name}-service` : undefined;
}

/** The service the text names, else one after its first resource; undefined for neither. */
export function deriveService(
  text: string,
  resources: ReadonlyArray<{ name: string }>,
): { name: string; from: string } | undefined {
  const lower = text.toLowerCase();
  for (const pattern of [FOR, BEFORE]) {
    const match = pattern.exec(lower);
    const name = match && nameOf(match[1]!);
    if (name && match) return { name, from: match[0].trim() };
  }
  // "A lending library: …": the place the API is for.
  const place = lower.split(/[^a-z0-9-]+/).find((w) => PLACES.has(w));
  if (place) return { name: `${place}-service`, from: place };
  const first = resources[0];
  return first
    ? { name: `${singular(first.name)}-service`, from: `the first resource, ${first.name}` }
    : undefined;
}
