/**
 * What is wrong with a guest image a user names: the file itself (not a regular file, empty, too
 * large, unreadable: `ImageError`, exit 3), or options that contradict it or place it outside
 * the VM (`ImageOptionError`, exit 2: a bad command line). Mapped in src/cli/errors.ts.
 */
export class ImageError extends Error {
  override name = 'ImageError';
}

export class ImageOptionError extends Error {
  override name = 'ImageOptionError';
}
