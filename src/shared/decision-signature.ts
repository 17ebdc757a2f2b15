/**
 * How a decision is signed (docs/signing.md): one helper for the CLI that signs and the worker that
 * checks. Pure JS (@noble/hashes), so it needs no Node builtins; the workflow itself never calls
 * it, since no key may enter workflow code or history.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { signingText, type SignedFields } from './governance';

/** The key id of `BATON_DECISION_KEY`, the key every user may sign with. */
export const SHARED_KEY_ID = 'shared';

/** A key shorter than this is refused: HMAC-SHA256 is only as strong as its key. */
export const MIN_KEY_CHARS = 32;

/** HMAC-SHA256 of `signingText(fields)`, keyed with the UTF-8 bytes of `key`, as lowercase hex. */
export const decisionSignature = (key: string, fields: SignedFields): string =>
  bytesToHex(hmac(sha256, utf8ToBytes(key), utf8ToBytes(signingText(fields))));

/**
 * Why a key's text cannot be used, or undefined when it can. `name` is where it came from (an env
 * variable); the message never shows the key itself, only its length.
 */
export function keyProblem(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return `${name} is not set`;
  // Whitespace at either end is nearly always a copy or `echo` accident, and would sign differently.
  if (value.trim() !== value)
    return `${name} starts or ends with whitespace (or a newline); store the key without it`;
  if ([...value].some((c) => c < ' ' || c === '\u007f'))
    return `${name} holds control characters; a key is printable text`;
  if (value.length < MIN_KEY_CHARS)
    return `${name} is ${value.length} characters; a decision key is at least ${MIN_KEY_CHARS} (make one with \`openssl rand -hex 32\`)`;
  return undefined;
}
