import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// A CommonJS module: a default import is what Node's ESM loader can take apart.
import proto from '@temporalio/proto';
import { HintedError } from '../shared/hinted-error';
import { CODEC_KEYS_VARIABLE, type CodecKeyRing } from './keys';

/**
 * Baton's payload codec: AES-256-GCM over the whole original payload. The format (docs/
 * security-encryption.md), version 1:
 *
 * - metadata `encoding` = `binary/encrypted`, `encryption-key-id` = the key's id,
 *   `encryption-cipher` = `AES-256-GCM`;
 * - data = a random 12-byte nonce, then the ciphertext, then the 16-byte GCM tag;
 * - the plaintext is the original payload (its metadata and data) as `temporal.api.common.v1.Payload`
 *   protobuf bytes, so the encoding (`json/plain`, `binary/null`, …) is hidden and restored too.
 *
 * Payloads that are not `binary/encrypted` pass through decode unchanged: histories from before the
 * codec was turned on, and signals sent by a client without it, still read.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_KEY = 'encryption-key-id';
export const CIPHER_KEY = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';
const ProtoPayload = proto.temporal.api.common.v1.Payload;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A payload the codec cannot decrypt: its key is missing, or its bytes were altered. */
export class PayloadDecryptError extends HintedError {
  override name = 'PayloadDecryptError';
}

const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** True when the payload is in Baton's encrypted form (or at least claims to be). */
export const isEncrypted = (payload: Payload): boolean =>
  utf8(payload.metadata?.encoding) === ENCRYPTED_ENCODING;

/** The key id an encrypted payload names, if any. */
export const keyIdOf = (payload: Payload): string | undefined =>
  payload.metadata?.[KEY_ID_KEY] ? utf8(payload.metadata[KEY_ID_KEY]) : undefined;

function encrypt(ring: CodecKeyRing, payload: Payload): Payload {
  const { id, bytes } = ring.encrypting;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', bytes, nonce);
  const plain = ProtoPayload.encode(payload).finish();
  const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: {
      encoding: bytesOf(ENCRYPTED_ENCODING),
      [KEY_ID_KEY]: bytesOf(id),
      [CIPHER_KEY]: bytesOf(CIPHER),
    },
    data: new Uint8Array(sealed),
  };
}

function decrypt(ring: CodecKeyRing, payload: Payload): Payload {
  const id = keyIdOf(payload);
  const held = [...ring.byId.keys()].join(', ');
  if (id === undefined)
    throw new PayloadDecryptError(
      `An encrypted payload has no "${KEY_ID_KEY}" in its metadata, so its key cannot be found.`,
      "It was not written by Baton's codec (or was altered); decode it with the codec that wrote it.",
    );
  const cipherName = payload.metadata?.[CIPHER_KEY] ? utf8(payload.metadata[CIPHER_KEY]) : CIPHER;
  if (cipherName !== CIPHER)
    throw new PayloadDecryptError(
      `An encrypted payload (key id "${id}") uses the cipher "${cipherName}"; Baton's codec reads only ${CIPHER}.`,
      'Decode it with the codec that wrote it.',
    );
  const key = ring.byId.get(id);
  if (!key)
    throw new PayloadDecryptError(
      `A payload is encrypted with the key id "${id}", which ${CODEC_KEYS_VARIABLE} does not hold (it holds: ${held}).`,
      `Add that key to ${CODEC_KEYS_VARIABLE} ("…,${id}:<base64>", after the key that encrypts) on this process; keep old keys until no history needs them.`,
    );
  const data = Buffer.from(payload.data ?? []);
  if (data.length < NONCE_BYTES + TAG_BYTES)
    throw new PayloadDecryptError(
      `An encrypted payload (key id "${id}") is ${data.length} bytes, too short to hold a nonce and a tag.`,
      'The payload was truncated or altered; it cannot be recovered.',
    );
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, data.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([
      decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch (cause) {
    throw new PayloadDecryptError(
      `A payload does not decrypt with the key id "${id}" from ${CODEC_KEYS_VARIABLE}: authentication failed.`,
      `The key under "${id}" is not the one that encrypted it (was a different key given the same id?), or the payload was altered.`,
      { cause },
    );
  }
  return ProtoPayload.decode(plain);
}

/** The codec over `ring`: encrypts every payload with the first key, decrypts with the one named. */
export function createEncryptionCodec(ring: CodecKeyRing): PayloadCodec {
  return {
    async encode(payloads) {
      return payloads.map((payload) => encrypt(ring, payload));
    },
    async decode(payloads) {
      return payloads.map((payload) => (isEncrypted(payload) ? decrypt(ring, payload) : payload));
    },
  };
}
