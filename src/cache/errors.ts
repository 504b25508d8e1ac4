/** Errors raised by the cache model: each says what was wrong and where. */

/** A cache configuration that the model cannot represent or that the architecture forbids. */
export class CacheConfigError extends Error {
  constructor(config: string, detail: string) {
    super(`cache configuration '${config}': ${detail}`);
    this.name = 'CacheConfigError';
  }
}

/** A cache access or maintenance request with an argument outside what the model accepts. */
export class CacheAccessError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'CacheAccessError';
  }
}
