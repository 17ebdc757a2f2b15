/** A configuration problem; the message lists every bad key with its fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
