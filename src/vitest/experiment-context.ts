import { TestRunner } from 'vitest';
import type { BaselineKey, UnderTest } from '../report/schema.ts';
import type { ServerInfo } from '../targets/target.ts';
import type { ServerHandle } from './api.ts';
import { callBroker } from './broker.ts';
import type { PointMeta } from './meta.ts';

/** Where an experiment call runs: the ready server, the current test and its experiment's name. */
export interface ExperimentContext {
  info: ServerInfo;
  test: NonNullable<ReturnType<typeof TestRunner.getCurrentTest>>;
  experiment: string;
}

/** The test an experiment call runs in and its experiment's name (the describe), or an error saying why not. */
export function currentTest(call: string): Omit<ExperimentContext, 'info'> {
  const test = TestRunner.getCurrentTest();
  if (!test) throw new Error(`servebench: ${call} must be called inside a test`);
  return { test, experiment: test.suite?.name ?? test.file.name };
}

/** The server and test an experiment call (`runLoad`, `runCapacity`) needs, or an error saying why not. */
export function experimentContext(server: ServerHandle, call: string): ExperimentContext {
  const info = server.info;
  if (!info)
    throw new Error(
      `servebench: the server is not ready; call ${call} inside a test of the describe that called useServer`,
    );
  return { info, ...currentTest(call) };
}

/** Fails the test with the server's last log lines when it died during `what`. */
export async function assertServerAlive(info: ServerInfo, what: string): Promise<void> {
  const status = await callBroker<{ alive: boolean; logs: string[] }>('/server-status', { url: info.url });
  if (!status.alive) {
    throw new Error(
      `the ${info.target} server died during ${what}; last log lines:\n${status.logs.join('\n')}`,
    );
  }
}

/** What is under test on this server, as baselines record it. */
export const underTestOf = (info: ServerInfo): UnderTest => ({
  target: info.target,
  server: info.server,
  serverArgs: info.serverArgs,
  ...(info.engine ? { engine: info.engine } : {}),
});

/** What a point's meta holds beyond the test and server it ran on: the call's own results. */
export type PointFields = Pick<
  PointMeta,
  'x' | 'xLabel' | 'offeredRate' | 'summary' | 'valid' | 'invalidReasons' | 'rawFile'
> &
  Partial<Pick<PointMeta, 'telemetry' | 'capacity'>>;

/**
 * The meta a test hands the reporter for one point (`runLoad`, `runCapacity`): where it ran, its
 * baseline key and the call's results (telemetry and capacity only when present), with no SLO
 * checks or baseline outcome yet.
 */
export function pointMeta(
  { info, test, experiment }: ExperimentContext,
  key: BaselineKey,
  fields: PointFields,
): PointMeta {
  const { telemetry, capacity, ...point } = fields;
  return {
    experiment,
    test: test.name,
    file: test.file.name,
    key,
    underTest: underTestOf(info),
    simulated: info.simulated,
    ...point,
    slo: [],
    baseline: null,
    pendingBaseline: null,
    ...(telemetry ? { telemetry } : {}),
    ...(capacity ? { capacity } : {}),
  };
}
