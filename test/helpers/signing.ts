import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DOC = fileURLToPath(new URL('../../docs/signing.md', import.meta.url));

/** The code block after `<!-- name: … -->` in docs/signing.md: the tests run what the doc shows. */
export function docBlock(name: 'sign.py' | 'sign.sh'): string {
  const text = readFileSync(DOC, 'utf8');
  const marker = text.indexOf(`<!-- ${name}:`);
  if (marker < 0) throw new Error(`docs/signing.md has no <!-- ${name}: … --> block`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(marker));
  if (!block?.[1]) throw new Error(`no code block after <!-- ${name} -->`);
  return block[1];
}

export interface SignArgs {
  decision: Record<string, unknown>;
  workflowId: string;
  gate: string;
  digest: string;
  key: string;
  keyId?: string;
}

/** Signs with the doc's Python script (`python3 -c`): an implementation independent of ours. */
export async function signWithPython(args: SignArgs): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    'python3',
    ['-c', docBlock('sign.py'), JSON.stringify(args.decision), args.workflowId, args.gate, args.digest],
    {
      env: {
        PATH: process.env.PATH,
        BATON_DECISION_KEY: args.key,
        ...(args.keyId ? { BATON_DECISION_KEY_ID: args.keyId } : {}),
      },
    },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Signs with the doc's shell recipe (jq and openssl). */
export async function signWithShell(args: SignArgs & { by: string; action: string }) {
  const { stdout } = await run('bash', ['-euc', docBlock('sign.sh')], {
    env: {
      PATH: process.env.PATH,
      BATON_DECISION_KEY: args.key,
      WF: args.workflowId,
      GATE: args.gate,
      DIGEST: args.digest,
      BY: args.by,
      ACTION: args.action,
    },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}
