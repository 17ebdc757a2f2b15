import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { TemplateInfo, TemplateParam } from './api-schemas';
import { BatonError, batonCommand } from './errors';

export function templatesDir(): string {
  return process.env.BATON_TEMPLATES_DIR ?? fileURLToPath(new URL('../../templates', import.meta.url));
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Reads a definition file (YAML or JSON) without validating it. */
export async function readDefinitionFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new BatonError(`Cannot read definition file "${path}": ${(cause as Error).message}`, { cause });
  }
  try {
    return extname(path) === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (cause) {
    throw new BatonError(
      `Definition file "${path}" is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function paramOf(raw: unknown): TemplateParam {
  const spec = isRecord(raw) ? raw : {};
  const { type, default: value, required, description, ...rules } = spec;
  return {
    type: typeof type === 'string' ? type : 'string',
    ...(value === undefined ? {} : { default: value }),
    required: value === undefined && required !== false,
    ...(typeof description === 'string' ? { description } : {}),
    ...(Object.keys(rules).length ? { rules } : {}),
  };
}

export async function listTemplates(dir = templatesDir()): Promise<TemplateInfo[]> {
  const files = (await readdir(dir)).filter((f) => EXTENSIONS.includes(extname(f))).sort();
  return Promise.all(
    files.map(async (file) => {
      const raw = (await readDefinitionFile(join(dir, file))) as {
        description?: string;
        phases?: Array<{ id?: string }>;
        params?: unknown;
      };
      return {
        name: basename(file, extname(file)),
        path: join(dir, file),
        description: raw?.description ?? '',
        phases: (raw?.phases ?? []).map((p) => String(p.id)),
        params: Object.fromEntries(
          Object.entries(isRecord(raw?.params) ? raw.params : {}).map(([name, spec]) => [
            name,
            paramOf(spec),
          ]),
        ),
      };
    }),
  );
}

/** Loads a template by name from the templates directory. */
export async function loadTemplate(name: string, dir = templatesDir()): Promise<unknown> {
  const templates = await listTemplates(dir);
  const found = templates.find((t) => t.name === name);
  if (!found) {
    throw new BatonError(
      `Unknown template "${name}". Templates: ${templates.map((t) => t.name).join(', ')} (see \`${batonCommand('templates')}\`), or pass --file def.yaml.`,
    );
  }
  return readDefinitionFile(found.path);
}
