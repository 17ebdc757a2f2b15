/** Reads the installed templates (YAML or JSON) into the analysis's template book. */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import YAML from 'yaml';
import type { TemplateBook } from './templates';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Every template in `dir` by file name; a file that does not parse is left out (and named). */
export async function loadTemplateBook(
  dir: string,
): Promise<{ templates: TemplateBook; unreadable: string[] }> {
  const files = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => EXTENSIONS.includes(extname(f)))
    .sort();
  const templates: TemplateBook = {};
  const unreadable: string[] = [];
  for (const file of files) {
    try {
      const text = await readFile(join(dir, file), 'utf8');
      const raw: unknown = extname(file) === '.json' ? JSON.parse(text) : YAML.parse(text);
      if (raw && typeof raw === 'object' && !Array.isArray(raw))
        templates[basename(file, extname(file))] = raw as Record<string, unknown>;
      else unreadable.push(file);
    } catch {
      unreadable.push(file);
    }
  }
  return { templates, unreadable };
}
