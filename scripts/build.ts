/**
 * `npm run build` (run by `prepack`): compiles src/ to dist/ (JavaScript, declarations, source
 * maps) with tsconfig.build.json. TypeScript rewrites relative `.ts` imports to `.js` in the
 * JavaScript but not in declarations, so those are rewritten here: a consumer's tsc then reads
 * plain `.js` specifiers, as in any other package.
 */
import { execFileSync } from 'node:child_process';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

await rm(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

const relativeTsSpecifier = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;
const files = (await readdir(dist, { recursive: true })).filter((f) => f.endsWith('.d.ts'));
for (const file of files) {
  const path = join(dist, file);
  const text = await readFile(path, 'utf8');
  const rewritten = text.replace(relativeTsSpecifier, '$1$2.js$3');
  if (rewritten !== text) await writeFile(path, rewritten);
}
await chmod(join(dist, 'cli/bin.js'), 0o755);
process.stdout.write(`servebench: built dist/ (${files.length} declaration files)\n`);
