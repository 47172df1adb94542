/**
 * Builds llama.cpp's `llama-server` from the source the npm package node-llama-cpp ships (a git
 * bundle of llama.cpp inside its tarball), so a real serving engine can run here with nothing
 * downloaded but a registry package. The binary is cached by source commit, backend and target,
 * so a second run prints the cached path at once.
 *
 *   node scripts/llama-cpp/build.ts [--backend cpu|cuda] [--cuda-arch 90] [--jobs N]
 *                                   [--source DIR|BUNDLE|TGZ] [--cache-dir DIR] [--source-only]
 *
 * The last line on stdout is the binary's path (with --source-only: the source directory, nothing
 * built); progress goes to stderr. Without --source it runs
 * `npm pack node-llama-cpp@<version>` (the registry is the one thing it needs). A source DIR must
 * be a llama.cpp checkout (its commit from git, or a `.servebench-commit` file for an export).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** node-llama-cpp's release whose bundled llama.cpp we build (its tarball's llama/gitRelease.bundle). */
export const NODE_LLAMA_CPP_VERSION = '3.21.1';

export interface BuildOptions {
  backend: 'cpu' | 'cuda';
  /** CMAKE_CUDA_ARCHITECTURES for the cuda backend, e.g. '90' (H100, H200). */
  cudaArch: string;
  jobs: number;
  /** A llama.cpp source directory, a git bundle, or a node-llama-cpp tarball; default: npm pack. */
  source: string | null;
  cacheDir: string;
}

export interface BuildRecord {
  commit: string;
  backend: BuildOptions['backend'];
  cudaArch: string | null;
  /** What the binary was built for: 'native:<hash of this CPU's model and flags>' on the CPU. */
  target: string;
  cmakeArgs: string[];
  jobs: number;
  buildSeconds: number;
  builtAt: string;
  source: string;
}

const log = (line: string) => process.stderr.write(`llama-cpp build: ${line}\n`);

/** Everything under the cache directory: packages, sources by commit, binaries by build key. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SERVEBENCH_CACHE_DIR) return join(env.SERVEBENCH_CACHE_DIR, 'llama.cpp');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'servebench', 'llama.cpp');
}

/**
 * The CPU build uses this machine's instruction set (GGML_NATIVE), so its key names the CPU: a
 * cache shared between machines never hands one a binary built for another.
 */
export function cpuTarget(): string {
  const info = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const flags = /^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '';
  return `native:${createHash('sha256').update(`${process.arch}\n${model}\n${flags}`).digest('hex').slice(0, 10)}`;
}

export function buildKey(commit: string, options: Pick<BuildOptions, 'backend' | 'cudaArch'>): string {
  const target = options.backend === 'cuda' ? `sm${options.cudaArch}` : cpuTarget().replace(':', '-');
  return `${commit.slice(0, 12)}-${options.backend}-${target}`;
}

function run(command: string, args: string[], cwd?: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
}

function need(command: string, why: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(`'${command}' not found on PATH: ${why} (Debian: apt-get install cmake g++ git)`);
  }
}

interface Source {
  dir: string;
  commit: string;
  /** llama.cpp's build number (its commit count), which the server reports as `b<N>`. */
  buildNumber: number;
  from: string;
}

/**
 * The llama.cpp source as a directory, with its commit and build number; cloned from the bundle
 * once per commit. An exported tree (no .git) names them in `.servebench-commit`: `<commit> <N>`.
 */
function resolveSource(options: BuildOptions): Source {
  let input = options.source;
  if (input !== null && existsSync(join(input, 'CMakeLists.txt'))) {
    const marker = join(input, '.servebench-commit');
    if (existsSync(marker)) {
      const [commit = '', count = '0'] = readFileSync(marker, 'utf8').trim().split(/\s+/);
      return { dir: resolve(input), commit, buildNumber: Number(count), from: resolve(input) };
    }
    return { dir: resolve(input), ...gitIdentity(input), from: resolve(input) };
  }
  const packages = join(options.cacheDir, 'packages');
  mkdirSync(packages, { recursive: true });
  if (input === null) {
    const tgz = join(packages, `node-llama-cpp-${NODE_LLAMA_CPP_VERSION}.tgz`);
    if (!existsSync(tgz)) {
      log(`npm pack node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`);
      run('npm', [
        'pack',
        `node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`,
        '--pack-destination',
        packages,
        '--silent',
      ]);
    }
    input = tgz;
  }
  let bundle = resolve(input);
  if (/\.(tgz|tar\.gz)$/.test(input)) {
    const unpacked = join(packages, basename(input).replace(/\.(tgz|tar\.gz)$/, ''));
    bundle = join(unpacked, 'package/llama/gitRelease.bundle');
    if (!existsSync(bundle)) {
      mkdirSync(unpacked, { recursive: true });
      run('tar', ['-xzf', resolve(input), '-C', unpacked, 'package/llama/gitRelease.bundle']);
    }
  }
  const head = run('git', ['bundle', 'list-heads', bundle]).trim().split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{40}$/.test(head))
    throw new Error(`${bundle}: not a git bundle with a HEAD (got '${head}')`);
  const dir = join(options.cacheDir, 'src', head.slice(0, 12));
  if (!existsSync(join(dir, 'CMakeLists.txt'))) {
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    log(`cloning ${head.slice(0, 12)} from ${bundle}`);
    run('git', ['clone', '--quiet', '--no-checkout', bundle, partial]);
    run('git', ['-C', partial, '-c', 'advice.detachedHead=false', 'checkout', '--quiet', head]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  }
  return { dir, ...gitIdentity(dir), from: bundle };
}

function gitIdentity(dir: string): { commit: string; buildNumber: number } {
  return {
    commit: run('git', ['-C', dir, 'rev-parse', 'HEAD']).trim(),
    buildNumber: Number(run('git', ['-C', dir, 'rev-list', '--count', 'HEAD']).trim()),
  };
}

/** CMake flags: llama-server only, static, no network features (TLS, downloaded web UI). */
export function cmakeArgs(options: Pick<BuildOptions, 'backend' | 'cudaArch'>): string[] {
  const common = [
    '-DCMAKE_BUILD_TYPE=Release',
    '-DBUILD_SHARED_LIBS=OFF',
    '-DLLAMA_BUILD_TESTS=OFF',
    '-DLLAMA_BUILD_EXAMPLES=OFF',
    '-DLLAMA_BUILD_APP=OFF',
    '-DLLAMA_BUILD_TOOLS=ON',
    '-DLLAMA_BUILD_SERVER=ON',
    '-DLLAMA_BUILD_UI=OFF',
    '-DLLAMA_USE_PREBUILT_UI=OFF',
    '-DLLAMA_OPENSSL=OFF',
    '-DGGML_NATIVE=ON',
  ];
  return options.backend === 'cuda'
    ? [...common, '-DGGML_CUDA=ON', `-DCMAKE_CUDA_ARCHITECTURES=${options.cudaArch}`]
    : [...common, '-DGGML_CUDA=OFF'];
}

/** Builds (or finds in the cache) llama-server; returns the binary's path and its build record. */
export function buildLlamaServer(options: BuildOptions): {
  path: string;
  record: BuildRecord;
  cached: boolean;
} {
  need('git', 'the source comes as a git bundle');
  const { dir, commit, buildNumber, from } = resolveSource(options);
  const key = buildKey(commit, options);
  const binDir = join(options.cacheDir, 'bin', key);
  const binary = join(binDir, 'llama-server');
  const recordFile = join(binDir, 'build.json');
  if (existsSync(binary) && existsSync(recordFile)) {
    return {
      path: binary,
      record: JSON.parse(readFileSync(recordFile, 'utf8')) as BuildRecord,
      cached: true,
    };
  }
  need('cmake', 'llama.cpp builds with CMake');
  // The server reports b<N>-<commit> (/props build_info) even when built from an exported tree.
  const args = [
    ...cmakeArgs(options),
    `-DLLAMA_BUILD_COMMIT=${commit.slice(0, 7)}`,
    `-DLLAMA_BUILD_NUMBER=${buildNumber}`,
  ];
  const buildDir = join(options.cacheDir, 'build', key);
  const started = performance.now();
  log(`configuring ${key} in ${buildDir}`);
  const generator = spawnSync('sh', ['-c', 'command -v ninja']).status === 0 ? ['-G', 'Ninja'] : [];
  execFileSync('cmake', ['-S', dir, '-B', buildDir, ...generator, ...args], { stdio: ['ignore', 2, 2] });
  log(`building llama-server with ${options.jobs} jobs`);
  execFileSync('cmake', ['--build', buildDir, '--target', 'llama-server', '-j', String(options.jobs)], {
    stdio: ['ignore', 2, 2],
  });
  const buildSeconds = Math.round((performance.now() - started) / 100) / 10;
  const record: BuildRecord = {
    commit,
    backend: options.backend,
    cudaArch: options.backend === 'cuda' ? options.cudaArch : null,
    target: options.backend === 'cuda' ? `sm_${options.cudaArch}` : cpuTarget(),
    cmakeArgs: args,
    jobs: options.jobs,
    buildSeconds,
    builtAt: new Date().toISOString(),
    source: from,
  };
  // Binary then record, each renamed into place: a killed build never leaves a cache hit behind.
  mkdirSync(binDir, { recursive: true });
  copyFileSync(join(buildDir, 'bin', 'llama-server'), `${binary}.partial`);
  renameSync(`${binary}.partial`, binary);
  writeFileSync(`${recordFile}.partial`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${recordFile}.partial`, recordFile);
  return { path: binary, record, cached: false };
}

function parseOptions(argv: string[]): BuildOptions & { sourceOnly: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      backend: { type: 'string', default: 'cpu' },
      'cuda-arch': { type: 'string', default: '90' },
      jobs: { type: 'string', default: String(cpus().length) },
      source: { type: 'string' },
      'cache-dir': { type: 'string' },
      'source-only': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const backend = values.backend;
  if (backend !== 'cpu' && backend !== 'cuda')
    throw new Error(`--backend: expected cpu or cuda, got '${backend}'`);
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new Error(`--jobs: expected a positive integer, got '${values.jobs}'`);
  if (!/^\d+[a-z]?$/.test(values['cuda-arch']))
    throw new Error(`--cuda-arch: expected a CUDA architecture like 90, got '${values['cuda-arch']}'`);
  return {
    backend,
    cudaArch: values['cuda-arch'],
    jobs,
    source: values.source ?? null,
    cacheDir: values['cache-dir'] ? resolve(values['cache-dir']) : defaultCacheDir(),
    sourceOnly: values['source-only'],
  };
}

if (import.meta.main) {
  try {
    const options = parseOptions(process.argv.slice(2));
    if (options.sourceOnly) {
      process.stdout.write(`${resolveSource(options).dir}\n`);
      process.exit(0);
    }
    const { path, record, cached } = buildLlamaServer(options);
    log(
      cached
        ? `cached: ${record.commit.slice(0, 12)} ${record.backend} (built ${record.builtAt} in ${record.buildSeconds} s)`
        : `built ${record.commit.slice(0, 12)} ${record.backend} in ${record.buildSeconds} s with ${record.jobs} jobs`,
    );
    process.stdout.write(`${path}\n`);
  } catch (error) {
    process.stderr.write(`llama-cpp build: error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
