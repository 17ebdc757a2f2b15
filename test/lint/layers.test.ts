import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULE = '@typescript-eslint/no-restricted-imports';

/**
 * The project's own eslint.config.js, run on a fixture's text as if the file lived at `asPath`.
 * Only the layer rule runs, and without type information: the fixture is not in the TS project.
 */
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === RULE,
});

async function lintAs(fixture: string, asPath: string) {
  const text = await readFile(new URL(`./fixtures/${fixture}`, import.meta.url), 'utf8');
  const [result] = await eslint.lintText(text, { filePath: `${ROOT}${asPath}` });
  return (result?.messages ?? []).map((m) => ({ line: m.line, ruleId: m.ruleId, message: m.message }));
}

describe('lint enforces the layers', () => {
  it('refuses src/workers importing src/client, types included, and lets packages named client through', async () => {
    const messages = await lintAs('src/workers/imports-client.ts', 'src/workers/imports-client.ts');
    expect(messages.map((m) => m.line)).toEqual([2, 3]);
    expect(messages.every((m) => m.ruleId === RULE)).toBe(true);
    expect(messages[0]?.message).toContain('Workers never import the client');
  });

  it('refuses src/client importing src/activities, but not src/workers', async () => {
    const messages = await lintAs('src/client/imports-activities.ts', 'src/client/imports-activities.ts');
    expect(messages).toEqual([
      expect.objectContaining({
        line: 2,
        ruleId: RULE,
        message: expect.stringContaining('The client never imports activities'),
      }),
    ]);
  });

  it("exempts no client file, not even the one that reads this machine's setup", async () => {
    expect(await lintAs('src/client/imports-activities.ts', 'src/client/local.ts')).toHaveLength(1);
    expect(await lintAs('src/client/imports-activities.ts', 'src/client/cli/local.ts')).toHaveLength(1);
  });

  it('refuses src importing scripts/', async () => {
    const messages = await lintAs('src/dev/imports-scripts.ts', 'src/dev/imports-scripts.ts');
    expect(messages).toEqual([
      expect.objectContaining({ line: 2, message: expect.stringContaining('src never imports scripts/') }),
    ]);
  });
});
