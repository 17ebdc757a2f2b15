/** The `secret-scan` agent: credentials committed to the scope, by file and line, redacted. */
import { z } from 'zod';
import {
  TEMPLATE_AGENT_INPUTS,
  SecurityFindingSchema,
  type SecurityFinding,
} from '../../../shared/template-agent-inputs';
import { defineAgent } from '../agent';
import { readText, scopeFiles } from './scope';

interface SecretRule {
  severity: SecurityFinding['severity'];
  what: string;
  pattern: RegExp;
  /** The capture group holding the secret itself (0: the whole match). */
  group: number;
  /** For generic assignments: the value must look random (Shannon entropy, bits per char). */
  minEntropy?: number;
}

/** What is looked for, by rule id; each match is one finding. */
export const SECRET_RULES = {
  'aws-access-key-id': {
    severity: 'critical',
    what: 'AWS access key id',
    pattern: /\b((?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16})\b/g,
    group: 1,
  },
  'aws-secret-access-key': {
    severity: 'critical',
    what: 'AWS secret access key',
    pattern: /aws_?secret_?(?:access_?)?key\w*["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})\b/gi,
    group: 1,
  },
  'private-key': {
    severity: 'critical',
    what: 'private key',
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/g,
    group: 0,
  },
  'github-token': {
    severity: 'high',
    what: 'GitHub token',
    pattern: /\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    group: 1,
  },
  'slack-token': {
    severity: 'high',
    what: 'Slack token',
    pattern: /\b(xox[abprs]-[0-9A-Za-z-]{10,72})\b/g,
    group: 1,
  },
  'generic-secret-assignment': {
    severity: 'medium',
    what: 'hard-coded secret',
    pattern:
      /\b\w*(?:password|passwd|secret|token|api_?key|apikey|access_?key|private_?key|client_?secret)\w*["']?\s*[:=]\s*["'`]([^"'`\s]{12,200})["'`]/gi,
    group: 1,
    minEntropy: 3.5,
  },
} as const satisfies Record<string, SecretRule>;

/** Shannon entropy of `text` in bits per character: random keys are high, words and placeholders low. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Enough of a secret to find it again, never enough to use it. */
export function redact(secret: string): string {
  return `${secret.slice(0, 4)}…[redacted, ${secret.length} chars]`;
}

/** The findings in one file's text. */
export function scanText(file: string, text: string): SecurityFinding[] {
  const findings: SecurityFinding[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    for (const [rule, spec] of Object.entries(SECRET_RULES) as Array<[string, SecretRule]>) {
      for (const match of line.matchAll(spec.pattern)) {
        const secret = match[spec.group] ?? match[0];
        if (spec.minEntropy !== undefined && entropy(secret) < spec.minEntropy) continue;
        // A line with a specific key is not reported again as a generic assignment.
        if (
          rule === 'generic-secret-assignment' &&
          findings.some((f) => f.line === index + 1 && f.file === file)
        ) {
          continue;
        }
        findings.push({
          severity: spec.severity,
          category: 'secret',
          rule,
          file,
          line: index + 1,
          message: `${spec.what} committed in the source; remove it, rotate it, and load it from the environment or a secret store`,
          evidence: line.replace(secret, redact(secret)).trim().slice(0, 200),
        });
      }
    }
  });
  return findings;
}

export const secretScanAgent = defineAgent({
  name: 'secret-scan',
  description:
    'Scans the scope for committed secrets (AWS keys, private keys, GitHub and Slack tokens, high-entropy assignments); reports file:line with the secret redacted.',
  input: TEMPLATE_AGENT_INPUTS['secret-scan'],
  output: z.object({ scanned: z.number().int(), findings: z.array(SecurityFindingSchema) }),
  async run(input, context) {
    const files = await scopeFiles(context.workspace, input.scope);
    const findings: SecurityFinding[] = [];
    for (const file of files) {
      const text = await readText(context.workspace, file);
      if (text !== undefined) findings.push(...scanText(file, text));
      context.heartbeat({ step: 'scanned', file });
    }
    return { scanned: files.length, findings };
  },
});
