/**
 * Keeping secrets out: API keys are read from the environment only, never from the config file,
 * and every text Baton writes to history or logs passes through `redact`.
 */
import { defaultKeyEnv } from './models';
import type { BatonConfig, Env } from './schema';

const SECRET_KEY = /^(api[-_]?key|key|secret|token|access[-_]?token|password|auth|authorization|bearer)$/i;
const SECRET_VALUE =
  /^(sk-[A-Za-z0-9_-]{12,}|sk-ant-|ghp_|gho_|github_pat_|glpat-|xox[abpr]-|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{20,})/;
const SECRET_ENV_NAME = /(API_?KEY|TOKEN|SECRET|PASSWORD)$/i;

/** `scheme://userinfo@`: a URL that carries a user name, and perhaps a password or token, before its host. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]+)@/gi;
/** A user name alone (`ssh://git@host`) is not a secret; a password or a token-like name is. */
const PLAIN_USER = /^[A-Za-z_][A-Za-z0-9._-]{0,19}$/;

/** The first URL in `text` whose userinfo holds a credential, with that userinfo redacted; or undefined. */
export function credentialUrl(text: string): string | undefined {
  for (const match of text.matchAll(URL_USERINFO)) {
    const userinfo = match[2]!;
    if (userinfo.includes(':') || !PLAIN_USER.test(decodeURIComponentSafe(userinfo))) {
      const start = match.index;
      const end = text.slice(start).search(/\s|$/);
      return text.slice(start, start + end).replace(URL_USERINFO, '$1[redacted]@');
    }
  }
  return undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What to do instead of a credential in a URL at `path` (a config key path or an env var). */
function credentialUrlFix(path: string[]): string {
  const provider = path[0] === 'providers' && path.length === 3 ? path[1] : undefined;
  if (provider) {
    const keyEnv = defaultKeyEnv(provider);
    return `move the credentials to an env var: export the key as ${keyEnv} (or name your variable with providers.${provider}.apiKeyEnv), and keep only scheme, host and path in ${path.join('.')}`;
  }
  if (path[0] === 'commandAgents' && path[2] === 'env' && path[3]) {
    return `move the credentials to an env var: export ${path[3]} on the worker (the command inherits its environment) and remove it here`;
  }
  return 'move the credentials to an env var the worker reads, and keep only scheme, host and path in the URL';
}

/** API keys belong in the environment only: reject anything in the file that looks like one. */
export function keyProblems(raw: unknown): Array<{ path: string; problem: string }> {
  const problems: Array<{ path: string; problem: string }> = [];
  const report = (path: string[], problem: string) =>
    problems.push({ path: path.join('.'), problem: `${path.join('.')}: ${problem}` });
  const walk = (value: unknown, path: string[]) => {
    if (typeof value === 'string') {
      const url = credentialUrl(value);
      if (url) {
        report(path, `holds credentials in a URL (${url}); ${credentialUrlFix(path)}`);
        return;
      }
      if (SECRET_VALUE.test(value.trim())) {
        report(
          path,
          'looks like an API key or token; keys are read from the environment only, so remove it and export it instead',
        );
      }
      return;
    }
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, [...path, String(i)]));
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, key];
      // Keys directly under providers/agents/commandAgents/prices are names the user chose, not settings.
      const isName =
        path.length === 1 && ['providers', 'agents', 'commandAgents', 'prices'].includes(path[0]!);
      if (!isName && SECRET_KEY.test(key)) {
        const provider = path[0] === 'providers' && path.length === 2 ? path[1] : undefined;
        const fix = provider
          ? `export the key as ${provider === 'openai' || provider === 'anthropic' ? defaultKeyEnv(provider) : `${defaultKeyEnv(provider)} (or name your variable with providers.${provider}.apiKeyEnv)`}`
          : 'export it as an environment variable';
        report(
          childPath,
          `API keys are read from the environment only, never from the config file; remove it and ${fix}`,
        );
        continue;
      }
      if (
        path.length === 3 &&
        path[0] === 'commandAgents' &&
        path[2] === 'env' &&
        SECRET_ENV_NAME.test(key) &&
        typeof child === 'string' &&
        child !== ''
      ) {
        report(
          childPath,
          `secrets do not belong in the config file; the command inherits the worker's environment, so export ${key} there and remove it here`,
        );
        continue;
      }
      walk(child, childPath);
    }
  };
  walk(raw, []);
  return problems;
}

/** Secrets that must never appear in errors or logs: provider keys, and any `*_KEY`/`*_TOKEN`-like variable. */
function secretsIn(config: BatonConfig | undefined, env: Env = process.env): string[] {
  const names = new Set([
    'OPENAI_API_KEY',
    'ANTHROPIC_API_KEY',
    ...Object.values(config?.providers ?? {}).map((p) => p.apiKeyEnv),
  ]);
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    // Named key variables are always secret; other secret-looking names only when long enough to matter.
    if (
      value &&
      ((names.has(name) && value.length >= 4) || (SECRET_ENV_NAME.test(name) && value.length >= 8))
    ) {
      values.add(value);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every configured API key (and other secret-looking variable) in `text` with `[redacted]`,
 * and the userinfo of every URL (`http://user:sk-secret@host` → `http://[redacted]@host`).
 */
export function redact(text: string, config?: BatonConfig, env: Env = process.env): string {
  let out = text;
  for (const secret of secretsIn(config, env)) out = out.split(secret).join('[redacted]');
  return out.replace(URL_USERINFO, '$1[redacted]@');
}
