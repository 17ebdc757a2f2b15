import type { PayloadCodec } from '@temporalio/common';
import { createEncryptionCodec } from './codec';
import { codecKeysFromEnv } from './keys';

export { createEncryptionCodec, PayloadDecryptError, ENCRYPTED_ENCODING, KEY_ID_KEY } from './codec';
export {
  CODEC_KEYS_VARIABLE,
  CodecKeyError,
  parseCodecKeys,
  codecKeysFromEnv,
  type CodecKeyRing,
} from './keys';

/**
 * The payload codecs for a client's or a worker's data converter, from BATON_CODEC_KEYS (pass
 * `process.env`): none when the variable is unset (encryption off, the default), else the
 * AES-256-GCM codec. Throws CodecKeyError, naming the variable, when a key is unusable.
 */
export function payloadCodecsFromEnv(env: Record<string, string | undefined>): PayloadCodec[] {
  const ring = codecKeysFromEnv(env);
  return ring ? [createEncryptionCodec(ring)] : [];
}
