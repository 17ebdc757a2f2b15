import { HintedError } from '../shared/hinted-error';

/**
 * The codec's keys, from BATON_CODEC_KEYS: `id:base64,id:base64,…`, newest first. The first key
 * encrypts; any of them decrypts the payloads that name its id. Rotation: put the new key first
 * and keep the old ones until no open run (and no history you want to read) still uses them.
 */

export const CODEC_KEYS_VARIABLE = 'BATON_CODEC_KEYS';

/** One AES-256 key and the id written next to every payload it encrypts. */
export interface CodecKey {
  id: string;
  bytes: Uint8Array;
}

/** The ring: `encrypting` is the first key; `byId` finds the one a payload names. */
export interface CodecKeyRing {
  encrypting: CodecKey;
  byId: ReadonlyMap<string, CodecKey>;
}

/** A BATON_CODEC_KEYS value that cannot be used; names the variable, the entry and the fix. */
export class CodecKeyError extends HintedError {
  override name = 'CodecKeyError';
}

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const FORMAT_HINT = `Set ${CODEC_KEYS_VARIABLE}="k1:<base64 of 32 random bytes>" (make one with \`openssl rand -base64 32\`), newest key first, or unset it to turn encryption off.`;

function parseEntry(entry: string, position: number): CodecKey {
  const where = `${CODEC_KEYS_VARIABLE} entry ${position}`;
  if (entry === '') throw new CodecKeyError(`${where} is empty (a stray comma?).`, FORMAT_HINT);
  const colon = entry.indexOf(':');
  if (colon < 0)
    throw new CodecKeyError(
      `${where} ("${entry.slice(0, 12)}…") has no key id: it is not "id:base64".`,
      FORMAT_HINT,
    );
  const id = entry.slice(0, colon).trim();
  const text = entry.slice(colon + 1).trim();
  if (!KEY_ID.test(id))
    throw new CodecKeyError(
      `${where} has the key id "${id}", which is not 1-64 letters, digits, ".", "_" or "-".`,
      FORMAT_HINT,
    );
  if (text === '') throw new CodecKeyError(`${where} (key id "${id}") has an empty key.`, FORMAT_HINT);
  // Buffer.from(…, 'base64') skips what is not base64, so check the text before trusting the length.
  if (!BASE64.test(text) || text.length % 4 !== 0)
    throw new CodecKeyError(`${where} (key id "${id}") is not valid base64.`, FORMAT_HINT);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== KEY_BYTES)
    throw new CodecKeyError(
      `${where} (key id "${id}") is ${bytes.length} bytes; AES-256 needs exactly ${KEY_BYTES}.`,
      FORMAT_HINT,
    );
  return { id, bytes: new Uint8Array(bytes) };
}

/** Parses a BATON_CODEC_KEYS value; throws CodecKeyError naming the variable and the bad entry. */
export function parseCodecKeys(text: string): CodecKeyRing {
  if (text.trim() === '')
    throw new CodecKeyError(
      `${CODEC_KEYS_VARIABLE} is set but empty, so there is no key to encrypt with.`,
      `Unset ${CODEC_KEYS_VARIABLE} to run without encryption, or give it a key: ${FORMAT_HINT}`,
    );
  const keys = text.split(',').map((entry, index) => parseEntry(entry.trim(), index + 1));
  const byId = new Map<string, CodecKey>();
  for (const key of keys) {
    if (byId.has(key.id))
      throw new CodecKeyError(
        `${CODEC_KEYS_VARIABLE} names the key id "${key.id}" twice.`,
        `Give every key in ${CODEC_KEYS_VARIABLE} its own id: payloads name the id of the key that encrypted them.`,
      );
    byId.set(key.id, key);
  }
  return { encrypting: keys[0]!, byId };
}

/** The key ring from the environment (pass `process.env`); undefined when encryption is off. */
export function codecKeysFromEnv(env: Record<string, string | undefined>): CodecKeyRing | undefined {
  const text = env[CODEC_KEYS_VARIABLE];
  return text === undefined ? undefined : parseCodecKeys(text);
}
