import { userInfo } from 'node:os';
import { BatonError } from '../errors';

/** Reading the command line's values: `k=v` pairs and who decides. */

/** Keys that would reach Object.prototype through a dotted `--set` path. */
const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Text that a user probably meant as JSON: an object, array or quoted string, or something shaped
 * like a number or a boolean. When it does not parse, it is taken as a string, and the CLI says so.
 */
const LOOKS_LIKE_JSON = /^\s*([[{"]|-?\.?\d|(true|false|null)\s*$)/i;

export interface ParsedPairs {
  values: Record<string, unknown>;
  /** One line per value that looked like JSON but was taken as a string. */
  notes: string[];
}

/** `k=v` pairs; with `typed`, values that read as JSON (numbers, booleans, objects) keep their type. */
export function parsePairs(pairs: string[], flag: string, typed: boolean): ParsedPairs {
  const values: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new BatonError(`${flag} "${pair}" is not key=value; for example ${flag} service=billing`);
    const key = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    const path = key.split('.');
    if (path.some((part) => part === '' || UNSAFE_KEYS.has(part)))
      throw new BatonError(
        `${flag} "${key}" is not a usable key: use names separated by single dots, such as options.retries`,
      );
    let value: unknown = text;
    if (typed) {
      try {
        value = JSON.parse(text);
      } catch (error) {
        if (LOOKS_LIKE_JSON.test(text))
          notes.push(
            `note: ${flag} ${key}=${text} is not valid JSON (${(error as Error).message}), so it was taken as the string ${JSON.stringify(text)}`,
          );
      }
    }
    // Dotted keys build nested objects: --set options.retries=2.
    let target = values;
    for (const part of path.slice(0, -1)) {
      const next = target[part];
      target[part] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {};
      target = target[part] as Record<string, unknown>;
    }
    target[path[path.length - 1] as string] = value;
  }
  return { values, notes };
}

/** Who decides when `--by` is not given: BATON_USER, else the OS user; never a made-up name. */
export function defaultDecider(): { by: string; from: string } | undefined {
  const fromEnv = process.env.BATON_USER;
  if (fromEnv) return { by: fromEnv, from: 'BATON_USER' };
  try {
    const { username } = userInfo();
    if (username) return { by: username, from: 'the OS user name' };
  } catch {
    // No passwd entry (some containers): the user must say who they are.
  }
  return undefined;
}
