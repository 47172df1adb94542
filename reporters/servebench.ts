// The reporter is created and wired by the servebench() plugin (it shares the plugin's run
// context: target, leases, directories); this entry point re-exports it for reference.
export { ServebenchReporter } from '../src/vitest/reporter.ts';
