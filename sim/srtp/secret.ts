import { toBase64, toHex } from '../core/encoding.ts';
import type { MasterKey } from '../crypto/srtp-kdf.ts';
import type { SrtpProfile } from '../wire/srtp/profiles.ts';

/**
 * The text of a trace `Secret` of kind "srtp": profile, who sends with the key, and the master key and salt,
 * also as the RFC 4568 §6.1 `inline:` key-salt (base64 of key || salt), the form SDES and most tools accept.
 */
export function srtpSecretText(profile: SrtpProfile, sender: string, master: MasterKey): string {
  const inline = new Uint8Array(master.masterKey.length + master.masterSalt.length);
  inline.set(master.masterKey);
  inline.set(master.masterSalt, master.masterKey.length);
  return `${profile.name} sender=${sender} master_key=${toHex(master.masterKey)} master_salt=${toHex(master.masterSalt)} inline:${toBase64(inline)}`;
}
