/**
 * Does the reaper clean up after a killed run on a real GPU? Starts the GPU stand-in through the
 * process target with an MPS daemon of its own (50 % active threads), prints the processes, then
 * kills this process with SIGKILL (no handlers run, like a killed Vitest). The caller checks a few
 * seconds later that no stand-in, MPS control daemon or MPS server is left:
 *
 *   node scripts/gpu/reaper-check.ts; sleep 6; ps -eo pid,args | grep -E '[s]erver.py|[n]vidia-cuda-mps'
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serverSpecSchema } from '../../src/config/server-spec.ts';
import { ProcessTarget } from '../../src/targets/process-target.ts';
import { Reaper } from '../../src/targets/reaper.ts';

const server = fileURLToPath(new URL('../../fixtures/gpu-server/server.py', import.meta.url));
const extra = (process.env.SERVEBENCH_STANDIN_ARGS ?? '').split(/\s+/).filter(Boolean);
const target = new ProcessTarget(
  ['python3', server, '--model', '{model}', '--port', '{port}', ...extra, '{args}'],
  new Reaper(),
);
const running = await target.start(
  serverSpecSchema.parse({ mpsActiveThreadPercentage: 50, args: ['--max-num-seqs', '16'] }),
  { gpus: ['0'], gpuNames: new Map([['0', 'GPU 0']]) },
);
const version = (await (await fetch(`${running.info.url}/version`)).json()) as Record<
  string,
  { mps_pipe_directory?: string } | undefined
>;
console.log(
  'server up:',
  running.info.url,
  JSON.stringify(version['servebench-gpu-standin']?.mps_pipe_directory),
);
console.log(
  execFileSync('ps', ['-eo', 'pid,pgid,args'])
    .toString()
    .split('\n')
    .filter((l) => /server\.py|nvidia-cuda-mps/.test(l))
    .join('\n'),
);
console.log('killing this process with SIGKILL');
process.kill(process.pid, 'SIGKILL');
