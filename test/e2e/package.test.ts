import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_NODE } from '../../src/runtime/node-version.ts';
import {
  nodeBinary,
  npm,
  packRepository,
  type Ran,
  repoVersion,
  sh,
  userEnv,
} from './helpers/consumer-project.ts';

/**
 * What a user gets: `npm pack` of this repository installed into a fresh project outside it,
 * with no access to its sources, driven the way the README tells users to (init, vitest, tsc).
 */
const OLD_NODE = '20.20.2';
let pack: { tarball: string; dir: string };
let project: string;
let node24: string;
let nodeMin: string;
let nodeOld: string;

const bin = (name: string) => join(project, 'node_modules/.bin', name);
/** A command of the project run on a given Node, as `npx` would in the user's shell. */
const run = (
  nodeBin: string,
  script: string,
  args: string[],
  extra: Record<string, string> = {},
): Promise<Ran> =>
  sh(nodeBin, [script, ...args], { cwd: project, env: userEnv(nodeBin, extra), timeoutMs: 400_000 });
const vitest = (nodeBin: string, args: string[] = []) =>
  run(nodeBin, join(project, 'node_modules/vitest/vitest.mjs'), ['run', ...args]);

beforeAll(async () => {
  node24 = process.execPath;
  [pack, nodeMin, nodeOld] = await Promise.all([
    packRepository(),
    nodeBinary(MIN_NODE),
    nodeBinary(OLD_NODE),
  ]);
  project = await mkdtemp(join(tmpdir(), 'servebench-consumer-'));
  await writeFile(
    join(project, 'package.json'),
    '{ "name": "my-serving-repo", "private": true, "type": "module" }\n',
  );
  // The same versions as this repository's, so npm takes them from its cache.
  const versions = await Promise.all(['vitest', 'typescript', '@types/node'].map(repoVersion));
  const installed = await npm(
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      pack.tarball,
      `vitest@${versions[0]}`,
      `typescript@${versions[1]}`,
      `@types/node@${versions[2]}`,
    ],
    project,
  );
  expect(installed.code, installed.out).toBe(0);
}, 600_000);

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
  await rm(pack.dir, { recursive: true, force: true });
});

describe('the packed tarball installed into a fresh project', () => {
  it('holds what users run (dist/ JavaScript, declarations, source maps) and no tests or sources', async () => {
    const listed = await sh('tar', ['-tzf', pack.tarball], { cwd: pack.dir });
    const files = listed.out.trim().split('\n');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/index.js.map');
    expect(files).toContain('package/dist/cli/bin.js');
    expect(files).toContain('package/dist/load/worker.js');
    expect(files).toContain('package/dist/sim/main.js');
    expect(
      files.filter((f) =>
        /\.test\.|\/testing\/|^package\/(src|test|suites|fixtures|bench|scripts)\//.test(f),
      ),
    ).toEqual([]);
    const declarations = files.filter((f) => f.endsWith('.d.ts'));
    for (const f of declarations.slice(0, 400)) {
      const text = await readFile(
        join(project, 'node_modules/servebench', f.replace(/^package\//, '')),
        'utf8',
      );
      expect(text, f).not.toMatch(/from '\.{1,2}\/[^']+\.ts'/);
    }
  });

  it("leaves the project's node alone and installs neither testcontainers nor a native build", () => {
    expect(existsSync(bin('node'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/testcontainers'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/cpu-features'))).toBe(false);
    expect(existsSync(bin('servebench'))).toBe(true);
  });

  it(`servebench --help and --version work on Node 24 and on Node ${MIN_NODE}, the minimum`, async () => {
    for (const nodeBin of [node24, nodeMin]) {
      const help = await run(nodeBin, bin('servebench'), ['--help']);
      expect(help.code, help.out).toBe(0);
      expect(help.out).toMatch(/Commands:[\s\S]*init[\s\S]*run[\s\S]*summarize[\s\S]*sim/);
      const version = await run(nodeBin, bin('servebench'), ['--version']);
      expect(version.out.trim()).toBe(
        JSON.parse(await readFile(join(project, 'node_modules/servebench/package.json'), 'utf8')).version,
      );
    }
  });

  it(`fails clearly on Node ${OLD_NODE}: the CLI and the library name the version needed`, async () => {
    const cli = await run(nodeOld, bin('servebench'), ['--help']);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`servebench needs Node.js ${MIN_NODE} or newer; this is Node.js ${OLD_NODE}`);
    const library = await sh(nodeOld, ['--input-type=module', '-e', "await import('servebench/load')"], {
      cwd: project,
      env: userEnv(nodeOld),
    });
    expect(library.code).not.toBe(0);
    expect(library.out).toContain(`servebench needs Node.js ${MIN_NODE} or newer`);
  });

  it('init scaffolds the config, a suite and a CI workflow, and refuses to overwrite them', async () => {
    const init = await run(node24, bin('servebench'), ['init']);
    expect(init.code, init.out).toBe(0);
    for (const f of [
      'vitest.config.ts',
      'suites/saturation/saturation.test.ts',
      '.github/workflows/servebench.yml',
    ])
      expect(existsSync(join(project, f)), f).toBe(true);
    expect(await readFile(join(project, '.gitignore'), 'utf8')).toMatch(/^results\/$/m);

    const userSuite = join(project, 'suites/saturation/saturation.test.ts');
    const before = await readFile(userSuite, 'utf8');
    await writeFile(userSuite, `${before}// the user's edit\n`);
    const again = await run(node24, bin('servebench'), ['init']);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(
      /would overwrite vitest\.config\.ts, suites\/saturation\/saturation\.test\.ts, \.github\/workflows\/servebench\.yml; nothing was written/,
    );
    expect(again.out).toMatch(/--force/);
    expect(await readFile(userSuite, 'utf8')).toContain("// the user's edit");
    const forced = await run(node24, bin('servebench'), ['init', '--force']);
    expect(forced.code, forced.out).toBe(0);
    expect(await readFile(userSuite, 'utf8')).toBe(before);
  });

  it('the scaffolded suite runs green on the simulator, on Node 24 and on the minimum', async () => {
    // Each run searches for the capacity anew (about a minute on the simulator): hence the timeout.
    for (const nodeBin of [node24, nodeMin]) {
      await rm(join(project, 'baselines'), { recursive: true, force: true });
      const first = await vitest(nodeBin);
      expect(first.code, first.out).toBe(0);
      expect(first.out).toMatch(/SIMULATED results/);
      const results = JSON.parse(await readFile(join(project, 'results/results.json'), 'utf8'));
      expect(results.points).toHaveLength(1);
      expect(results.points[0].capacity.mode).toBe('search');
      expect(await readdir(join(project, 'baselines/saturation-qwen2-5-1-5b-on-one-gpu'))).toEqual([
        'max-request-rate-under-the-slo.json',
      ]);
      const summary = await readFile(join(project, 'results/summary.md'), 'utf8');
      expect(summary).toMatch(/saturation: Qwen2\.5-1\.5B/);
      expect(summary).toMatch(
        /\*\*Max request rate under SLO \(95 % of requests within TTFT 200 ms, TPOT 50 ms\): [\d.]+ req\/s\*\*/,
      );
    }
  }, 300_000);

  it('servebench/load and servebench/sim run from dist/: simulator child, worker-thread shards', async () => {
    await writeFile(
      join(project, 'load-only.mjs'),
      `import { runLoadProfile } from 'servebench/load';
import { startSim } from 'servebench/sim';
const sim = await startSim(['--model', 'Qwen/Qwen2.5-1.5B-Instruct', '--gpu', 'H100']);
try {
  const { summary } = await runLoadProfile({
    baseUrl: sim.url,
    arrival: { kind: 'poisson', rate: 20 },
    requests: 40,
    workers: 2,
    dataset: { name: 'random', input_len: 64, output_len: 8 },
  });
  console.log(JSON.stringify({ completed: summary.completed, failed: summary.failed }));
} finally {
  await sim.stop();
}
`,
    );
    const ran = await run(node24, join(project, 'load-only.mjs'), []);
    expect(ran.code, ran.out).toBe(0);
    expect(JSON.parse(ran.out.trim().split('\n').at(-1) ?? '{}')).toEqual({ completed: 40, failed: 0 });
  });

  it('type-checks under strict nodenext and bundler configs; an SLO statistic or matcher typo is a type error', async () => {
    await mkdir(join(project, 'types'), { recursive: true });
    await writeFile(
      join(project, 'types/usage.ts'),
      `import { type ExperimentResult, servebench, type Slo } from 'servebench';
import { runLoadProfile, summarize } from 'servebench/load';
import { findModel } from 'servebench/sim';
import { expect } from 'vitest';

declare const result: ExperimentResult;
expect(result).toMeetSLO({ ttft: { p99: 200, mean: 50 }, tpot: { 'p99.9': 80 }, errorRate: 0.01 });
await expect(result).toMatchBaseline({ tolerance: { default: 0.1 } });
// @ts-expect-error p98 is not a statistic servebench computes
expect(result).toMeetSLO({ ttft: { p98: 200 } });
// @ts-expect-error a misspelt matcher
expect(result).toMeetSlo({ ttft: { p99: 200 } });
// @ts-expect-error a misspelt plugin option
servebench({ targt: 'sim' });
const slo: Slo = { e2el: { median: 1000 } };
export const used = [slo, runLoadProfile, summarize, findModel];
`,
    );
    const strict = { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', types: ['node'] };
    const configs = {
      nodenext: { ...strict, module: 'NodeNext', moduleResolution: 'NodeNext' },
      bundler: { ...strict, module: 'Preserve', moduleResolution: 'Bundler' },
    };
    for (const [name, compilerOptions] of Object.entries(configs)) {
      const file = `tsconfig.${name}.json`;
      await writeFile(
        join(project, file),
        JSON.stringify({ compilerOptions, include: ['types', 'suites', 'vitest.config.ts'] }, null, 2),
      );
      const tsc = await run(node24, join(project, 'node_modules/typescript/bin/tsc'), ['-p', file]);
      expect(tsc.out, name).toBe('');
      expect(tsc.code, name).toBe(0);
    }
  });

  it('the container target without testcontainers says which package to install', async () => {
    await mkdir(join(project, 'container'), { recursive: true });
    await writeFile(
      join(project, 'container/vitest.config.ts'),
      `import { servebench } from 'servebench';
import { defineConfig } from 'vitest/config';
export default defineConfig({
  plugins: [servebench({ target: 'container', container: { image: 'servebench-sim:local', gpus: 'none' } })],
  test: { include: ['container/*.test.ts'] },
});
`,
    );
    await writeFile(
      join(project, 'container/one.test.ts'),
      `import { useServer } from 'servebench';
import { describe, expect, it } from 'vitest';
describe('one server in a container', () => {
  const server = useServer({});
  it('starts', () => expect(server.info).not.toBeNull());
});
`,
    );
    const ran = await vitest(node24, ['--config', 'container/vitest.config.ts']);
    expect(ran.code).not.toBe(0);
    expect(ran.out).toMatch(/the container target needs the 'testcontainers' package/);
    expect(ran.out).toMatch(/npm install --save-dev testcontainers@\^12/);
  });
});
