import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  exitIfNodeTooOld,
  MINIMUM_NODE,
  NodeTooOldError,
  nodeAtLeast,
  nodeVersionProblem,
} from '../src/shared/nodeVersion.js';

const root = new URL('../../../', import.meta.url);

describe('the Node version check of the commands', () => {
  it('names the Node it needs and the one running on a Node that is too old', () => {
    expect(nodeVersionProblem('20.11.0')).toBe('Switchyard needs Node 20.19 or newer (this is v20.11.0).');
    expect(nodeVersionProblem('v20.18.3')).toBe('Switchyard needs Node 20.19 or newer (this is v20.18.3).');
    expect(nodeVersionProblem('18.20.4')).toMatch(/needs Node 20\.19 or newer/);
  });

  it('lets 20.19 and anything newer through', () => {
    for (const version of ['20.19.0', 'v20.19.5', '20.20.2', '21.0.0', '22.12.0', '24.1.0-nightly'])
      expect(nodeVersionProblem(version), version).toBeUndefined();
    expect(nodeVersionProblem()).toBeUndefined();
  });

  it('compares versions part by part, not as text', () => {
    expect(nodeAtLeast('20.100.0', '20.19.0')).toBe(true);
    expect(nodeAtLeast('9.0.0', '20.19.0')).toBe(false);
    expect(nodeAtLeast('20.19.0', '20.19.1')).toBe(false);
  });

  it('prints the message and exits with code 1, or does nothing on a new enough Node', () => {
    let stderr = '';
    const exit = (code: number): never => {
      throw new Error(`exit ${code}`);
    };
    const out = { write: (s: string) => (stderr += s) };
    expect(() => exitIfNodeTooOld(out, '20.11.0', exit)).toThrow('exit 1');
    expect(stderr).toBe('Switchyard needs Node 20.19 or newer (this is v20.11.0).\n');
    stderr = '';
    exitIfNodeTooOld(out, '20.19.0', exit);
    expect(stderr).toBe('');
  });

  it('a missing built-in is an error naming it', () => {
    expect(new NodeTooOldError("node:zlib's crc32").message).toBe(
      "node:zlib's crc32 is missing: Switchyard needs Node 20.19 or newer.",
    );
  });

  it('MINIMUM_NODE is the engines.node of every package.json', () => {
    const manifests = [
      'package.json',
      ...readdirSync(new URL('packages/', root)).map((dir) => `packages/${dir}/package.json`),
    ];
    const [major, minor] = MINIMUM_NODE.split('.');
    for (const path of manifests) {
      const manifest = JSON.parse(readFileSync(new URL(path, root), 'utf8')) as {
        engines?: { node?: string };
      };
      expect(manifest.engines?.node, path).toBe(`>=${major}.${minor}`);
    }
  });
});
