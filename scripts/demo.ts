/**
 * The quick-start job: starts the loopback test server in a child process and runs
 * `servebench run` against it (extra arguments are passed on). The test server streams at fixed
 * delays; it is not a GPU model. `node scripts/demo.ts --request-rate 20`
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..');
const server = spawn(
  process.execPath,
  [join(root, 'src/testing/stream-server.ts'), '--port', '0', '--ttft-ms', '25', '--itl-ms', '8'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
try {
  const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
  const url = line.match(/http:\/\/\S+/)?.[0];
  if (!url) throw new Error(`test server did not report its address: ${line}`);
  const defaults = [
    '--num-prompts',
    '200',
    '--request-rate',
    '20',
    '--random-input-len',
    '256',
    '--random-output-len',
    '64',
  ];
  const bench = spawn(
    process.execPath,
    [
      join(root, 'src/cli/bin.ts'),
      'run',
      '--base-url',
      url,
      ...defaults,
      '--result-dir',
      'results',
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  const [code] = (await once(bench, 'exit')) as [number];
  process.exitCode = code;
} finally {
  server.kill();
}
