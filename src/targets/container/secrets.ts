/** Names whose values are secrets wherever they appear (env of the server, spec.env). */
const SECRET_NAME = /token|secret|password|passwd|api_?key|credential/i;

/** Values masked as *** in every log line, label, error and saved log file. */
export class Secrets {
  readonly values: string[];
  constructor(values: Iterable<string>) {
    // Short values would mask ordinary text; LogTail applies the same floor.
    this.values = [...new Set([...values].filter((v) => v.length >= 4))].sort((a, b) => b.length - a.length);
  }

  /** The secret values of an environment (by variable name). */
  static fromEnv(env: Record<string, string | undefined>): Secrets {
    return new Secrets(
      Object.entries(env)
        .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined)
        .map(([, value]) => value as string),
    );
  }

  mask(text: string): string {
    let clean = text;
    for (const secret of this.values) clean = clean.replaceAll(secret, '***');
    return clean;
  }
}
