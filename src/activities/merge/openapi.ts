/**
 * The `api` class: an OpenAPI document merged structurally. Paths and operations, components and
 * the other top-level keys are merged per entry; where both sides changed the same operation (or
 * component, or field) the side of the task that finished later wins, whole.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { validateOpenApi } from '../agents/spec/openapi';

type Doc = Record<string, unknown>;
export type Side = 'ours' | 'theirs';

const isYaml = (path: string) => /\.ya?ml$/i.test(path);
export const mayBeOpenApi = (path: string) => /\.(json|ya?ml)$/i.test(path);

/** The document, when the text is an OpenAPI document (a top-level `openapi` key). */
export function parseOpenApi(path: string, text: string | undefined): Doc | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = isYaml(path) ? parseYaml(text) : JSON.parse(text);
    const doc = value as Doc | null;
    return doc && typeof doc === 'object' && !Array.isArray(doc) && 'openapi' in doc ? doc : undefined;
  } catch {
    return undefined;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How deep each top-level key is merged per entry before a change is taken whole. */
const DEPTH: Record<string, number> = { paths: 2, components: 2, webhooks: 2 };
const HTTP = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** `paths./users.post` → `POST /users`; other places as dotted keys. */
function where(keys: readonly string[]): string {
  if (keys[0] === 'paths' && keys.length === 3 && HTTP.has(keys[2] as string)) {
    return `${(keys[2] as string).toUpperCase()} ${keys[1]}`;
  }
  return keys.join('.');
}

function merge3(
  keys: string[],
  depth: number,
  b: unknown,
  o: unknown,
  t: unknown,
  winner: Side,
  taken: string[],
): unknown {
  if (same(o, t) || same(t, b)) return o;
  if (same(o, b)) return t;
  if (depth > 0 && isObject(o) && isObject(t) && (b === undefined || isObject(b))) {
    const base = b ?? {};
    const out: Doc = {};
    for (const key of new Set([...Object.keys(o), ...Object.keys(t)])) {
      const child = merge3([...keys, key], depth - 1, base[key], o[key], t[key], winner, taken);
      if (child !== undefined) out[key] = child;
    }
    return out;
  }
  taken.push(where(keys));
  return winner === 'ours' ? o : t;
}

export interface ApiMerge {
  content: string;
  /** The places both sides changed, where the later task's side was taken. */
  taken: string[];
}

/** Merges the three sides (a missing base: both added the document). Writes JSON or YAML as ours was. */
export function mergeOpenApi(
  path: string,
  texts: { base?: string; ours: string; theirs: string },
  winner: Side,
): ApiMerge | undefined {
  const [o, t] = [parseOpenApi(path, texts.ours), parseOpenApi(path, texts.theirs)];
  const b = texts.base === undefined ? {} : (parseOpenApi(path, texts.base) ?? {});
  if (!o || !t) return undefined;
  const taken: string[] = [];
  const doc: Doc = {};
  for (const key of new Set([...Object.keys(o), ...Object.keys(t)])) {
    const value = merge3([key], DEPTH[key] ?? 1, b[key], o[key], t[key], winner, taken);
    if (value !== undefined) doc[key] = value;
  }
  const indent = /^\{\r?\n([ \t]+)"/.exec(texts.ours)?.[1] ?? 2;
  const content = isYaml(path) ? stringifyYaml(doc) : `${JSON.stringify(doc, null, indent)}\n`;
  return { content, taken };
}

/** Why the merged document is not valid OpenAPI, or undefined when it is. */
export async function openApiProblem(path: string, content: string): Promise<string | undefined> {
  const doc = parseOpenApi(path, content);
  if (!doc) return `${path} no longer parses as an OpenAPI document`;
  return validateOpenApi(doc, path).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
}
