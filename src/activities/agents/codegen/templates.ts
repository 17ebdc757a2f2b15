/**
 * The generated projects' sources, as template files under `templates/<target>/`. A placeholder
 * is `{{name}}`; the generators compute every value (lists, optional lines) before rendering, so
 * the templates hold no logic and read like the files they produce.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('./templates/', import.meta.url);
const PLACEHOLDER = /\{\{(\w+)\}\}/g;
const cache = new Map<string, string>();

function load(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(fileURLToPath(new URL(name, ROOT)), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/**
 * Renders `templates/<name>` with `values`. A placeholder without a value, or a value no
 * placeholder uses, is a bug in the generator: it throws rather than write a broken file.
 */
export function renderTemplate(name: string, values: Readonly<Record<string, string>>): string {
  const unused = new Set(Object.keys(values));
  const text = load(name).replace(PLACEHOLDER, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`Template ${name} uses {{${key}}}, which has no value`);
    unused.delete(key);
    return value;
  });
  if (unused.size > 0) throw new Error(`Template ${name} has no {{${[...unused].join('}}, {{')}}}`);
  return text;
}
