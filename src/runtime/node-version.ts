/**
 * The oldest Node servebench runs on (undici 8 and testcontainers 12 set it). npm only warns on
 * `engines`, so the CLI and the library check it themselves before loading anything else. This file
 * uses nothing newer than Node 18, so it runs far enough on an old Node to say what is wrong.
 */
export const MIN_NODE = '22.22.0';

function parse(version: string): number[] {
  return version.replace(/^v/, '').split('.').map(Number);
}

export function isSupportedNode(version: string = process.versions.node): boolean {
  const have = parse(version);
  const need = parse(MIN_NODE);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export function unsupportedNodeMessage(version: string = process.versions.node): string {
  return (
    `servebench needs Node.js ${MIN_NODE} or newer; this is Node.js ${version} (${process.execPath}).\n` +
    'hint: install Node.js 24 LTS (https://nodejs.org, or `nvm install 24`, `fnm use 24`, `volta install node@24`) and run again.'
  );
}

/** Throws (library) with the message above when this Node is too old. */
export function assertSupportedNode(): void {
  if (!isSupportedNode()) {
    const error = new Error(unsupportedNodeMessage());
    error.name = 'UnsupportedNodeError';
    throw error;
  }
}
