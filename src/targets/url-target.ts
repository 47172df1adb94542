import type { ServerSpec } from '../config/server-spec.ts';
import { type RunningServer, type StartContext, serverSecrets, type Target } from './target.ts';

/** An already running endpoint: no lifecycle, nothing to stop. */
export class UrlTarget implements Target {
  readonly kind = 'url';
  private readonly url: string;
  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  async start(spec: ServerSpec, context: StartContext): Promise<RunningServer> {
    return {
      info: {
        url: this.url,
        model: spec.model,
        target: 'url',
        simulated: false,
        hardware: `url:${new URL(this.url).host}`,
        server: this.url,
        serverArgs: serverSecrets(spec).maskArgs(spec.args),
        gpus: context.gpus,
      },
      logs: () => [],
      exited: new Promise(() => {}),
      stop: async () => {},
    };
  }
}
