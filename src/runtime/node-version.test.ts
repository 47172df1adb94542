import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSupportedNode, MIN_NODE, unsupportedNodeMessage } from './node-version.ts';

describe('the Node version check', () => {
  it("agrees with package.json's engines field", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.engines.node).toBe(`>=${MIN_NODE}`);
  });

  it('compares versions numerically', () => {
    expect(isSupportedNode(MIN_NODE)).toBe(true);
    expect(isSupportedNode('v24.0.0')).toBe(true);
    expect(isSupportedNode('22.100.0')).toBe(true);
    expect(isSupportedNode('22.9.0')).toBe(false);
    expect(isSupportedNode('20.20.2')).toBe(false);
  });

  it('says which version is needed and how to get it', () => {
    const message = unsupportedNodeMessage('20.20.2');
    expect(message).toContain(`needs Node.js ${MIN_NODE} or newer; this is Node.js 20.20.2`);
    expect(message).toMatch(/nvm install 24/);
  });
});
