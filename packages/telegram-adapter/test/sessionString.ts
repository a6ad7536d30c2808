import { AuthKey } from 'telegram/crypto/AuthKey.js';
import { StringSession } from 'telegram/sessions/index.js';

/** A real, well-formed StringSession (DC 2, an auth key of `fill` bytes) for tests. */
export async function sessionString(fill = 7): Promise<string> {
  const s = new StringSession('');
  s.setDC(2, '149.154.167.51', 443);
  const key = new AuthKey();
  await key.setKey(Buffer.alloc(256, fill));
  s.setAuthKey(key);
  return s.save();
}
