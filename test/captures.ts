// Where tests find the real captures: the project's own copies in captures/ (see captures/README.md),
// so that tests run the same in any clone, whatever sits beside it.
import { fileURLToPath } from 'node:url';

export const CAPTURES_DIR = fileURLToPath(new URL('../captures/', import.meta.url));

/** An absolute path inside captures/, e.g. capturePath('dtls-srtp-openssl', 'dtls12-srtp.pcapng'). */
export function capturePath(...parts: string[]): string {
  return CAPTURES_DIR + parts.join('/');
}
