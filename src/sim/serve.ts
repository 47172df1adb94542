import type { AddressInfo } from 'node:net';
import { parseCli, simUsage } from './cli.ts';
import { SimConfigError } from './config.ts';
import { createSimServer } from './http/server.ts';
import { Simulator } from './simulator.ts';

/**
 * Runs the simulator in this process from command-line flags (what `node src/sim/main.ts` and
 * `servebench sim` do). Prints one line `servebench-sim listening on http://HOST:PORT ...` once it
 * accepts connections; exits 2 on bad flags; stops on SIGTERM/SIGINT. `command` is what `--help`
 * calls it.
 */
export function serve(argv: readonly string[], command = 'node src/sim/main.ts'): void {
  let config: ReturnType<typeof parseCli>;
  try {
    config = parseCli(argv);
  } catch (e) {
    if (e instanceof SimConfigError) {
      console.error(`servebench-sim: error: ${e.message}\n  hint: ${e.hint}`);
      process.exit(2);
    }
    throw e;
  }
  if (config === 'help') {
    process.stdout.write(simUsage(command));
    return;
  }
  const sim = new Simulator(config);
  const server = createSimServer(sim);
  server.on('error', (e) => {
    console.error(`servebench-sim: error: cannot listen on ${config.host}:${config.port}: ${e.message}`);
    process.exit(1);
  });
  const listen = (): void => {
    server.listen(config.port, config.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      const c = config;
      console.log(
        `servebench-sim listening on http://${host}:${port} (simulated ${c.model.id} on ${c.dataParallelSize}x` +
          `${c.tensorParallelSize} ${c.hardware.id}, KV ${c.kvBlocksPerEngine * 16} tokens/engine, ` +
          `max-num-seqs ${c.maxNumSeqs}, max-num-batched-tokens ${c.maxNumBatchedTokens})`,
      );
    });
  };
  if (config.faults.faultSlowStartMs > 0) {
    console.log(`servebench-sim loading (--fault-slow-start-ms ${config.faults.faultSlowStartMs})`);
    setTimeout(listen, config.faults.faultSlowStartMs);
  } else listen();
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
