import { serve } from './serve.ts';

/** `node src/sim/main.ts --port P ...`: the simulated vLLM server as its own process. */
serve(process.argv.slice(2));
