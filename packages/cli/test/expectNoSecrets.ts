// The fixture's secrets, looked for in everything a run printed or served.
import { expect } from 'vitest';
import { FIXTURE_API_HASH, fixtureSessionString } from './fixtures/secrets.js';

const SECRETS = [
  FIXTURE_API_HASH,
  fixtureSessionString('s1'),
  fixtureSessionString('s2'),
  fixtureSessionString('s3'),
  fixtureSessionString('alpha'),
];

/** `text` holds no secret of the fixture, nor a long piece of one (a session string cut by a log line, say). */
export function expectNoSecrets(text: string): void {
  for (const secret of SECRETS) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(1, 24));
    expect(text).not.toContain(secret.slice(-24));
  }
}
