/**
 * The one way servebench keeps secrets out of what it records and shows: server arguments and
 * environments, log tails, start errors, results.json, baselines, summary.md and the GitHub job
 * summary. Secrets are
 * - values of variables named like one (`HF_TOKEN`, `OPENAI_API_KEY`, any `*_TOKEN`, `*_KEY`,
 *   `*_SECRET`, `*_PASSWORD`), in this process's environment and in a server spec's `env`;
 * - values of secret flags in server arguments (`--api-key`, `--hf-token`, `-hft`,
 *   `--ssl-keyfile-password`, any `--*-api-key`, `--*-token`, `--*-secret`, `--*-password`), in
 *   both the `--flag value` and the `--flag=value` forms.
 * Recorded arguments are masked by position (a secret flag's value becomes `***` whatever its
 * length); free text (log lines, errors, files) by value, and by context (`--api-key X`,
 * `HF_TOKEN=X`, `'api_key': 'X'`) so that even short values named as secrets are caught there.
 */

/** Values shorter than this are too ambiguous to hunt for in free text (`true`, `4096`, `auto`). */
export const MIN_SECRET_LENGTH = 8;

const MASK = '***';

/** Variable names whose values are secrets: `*_TOKEN`, `*_KEY`, `*_SECRET`, `*PASSWORD`, `*API_KEY*`... */
const SECRET_NAME = /(?:TOKEN|KEY|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?)$|SECRET|API_?KEY|PASSWORD/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Flags that take a secret: vLLM (`--api-key`, `--hf-token`, uvicorn's `--ssl-keyfile-password`),
 * llama.cpp's server (`--api-key`, `--hf-token` / `-hft`), TGI (`--api-key`), SGLang
 * (`--api-key`, `--admin-api-key`), and any flag named `--*api-key`, `--*token`, `--*secret`,
 * `--*password`. File paths (`--api-key-file`, `--ssl-keyfile`) are not secrets.
 */
const SECRET_FLAG = /^--(?:[a-z0-9]+-)*(?:api-?key|token|secret|password|passwd|passphrase)$/;
const SHORT_SECRET_FLAGS = new Set(['-hft']);

/** Whether `flag` (`--api-key`, `--api_key`; without `=value`) takes a secret. */
export function isSecretFlag(flag: string): boolean {
  if (SHORT_SECRET_FLAGS.has(flag)) return true;
  return SECRET_FLAG.test(flag.toLowerCase().replaceAll('_', '-'));
}

/** `--flag value` takes the next argument as the value unless that is a flag itself. */
const looksLikeFlag = (arg: string | undefined) => arg === undefined || /^--?[A-Za-z]/.test(arg);

/** The values of secret flags in `args` (both forms). */
export function secretFlagValues(args: readonly string[]): string[] {
  const values: string[] = [];
  args.forEach((arg, i) => {
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && eq > 0 && isSecretFlag(arg.slice(0, eq))) values.push(arg.slice(eq + 1));
    else if (isSecretFlag(arg) && !looksLikeFlag(args[i + 1])) values.push(args[i + 1] as string);
  });
  return values.filter((v) => v !== '');
}

/** Values of the secret-named variables of an environment. */
export function secretEnvValues(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => isSecretName(name) && value !== undefined && value !== '')
    .map(([, value]) => value as string);
}

// Context patterns for free text. A flag and its value: `--api-key X`, `--api-key=X`, `-hft X`.
const FLAG_IN_TEXT = /(^|[\s"'[(,])(--?[A-Za-z][\w-]*)(=|[ \t]+)("[^"]*"|'[^']*'|[^\s"',)\]]+)/g;
// An assignment to a secret name: `HF_TOKEN=X`, `api_key='X'`, `'api_key': ['X']`, `"hf_token": "X"`.
const ASSIGNMENT_IN_TEXT =
  /\b([A-Za-z][\w]*_[\w]*|apikey|password|passwd)(["']?[ \t]*[=:][ \t]*\[?[ \t]*)("[^"]*"|'[^']*'|[^\s"',;)\]}]+)/gi;

function maskContext(text: string): string {
  return text
    .replace(FLAG_IN_TEXT, (all, lead: string, flag: string, sep: string, value: string) =>
      isSecretFlag(flag) && !looksLikeFlag(value) ? `${lead}${flag}${sep}${quoted(value)}` : all,
    )
    .replace(ASSIGNMENT_IN_TEXT, (all, name: string, sep: string, value: string) =>
      isSecretName(name) && !/^["']?\*\*\*["']?$/.test(value) ? `${name}${sep}${quoted(value)}` : all,
    );
}

/** `***`, keeping the quotes around a quoted value. */
const quoted = (value: string) => (/^(["']).*\1$/.test(value) ? `${value[0]}${MASK}${value[0]}` : MASK);

/** A set of secret values, and the masking of text, arguments and whole records with them. */
export class Secrets {
  static readonly none = new Secrets([]);
  /** Longest first (a secret containing another is masked whole), each at least MIN_SECRET_LENGTH. */
  readonly values: readonly string[];

  constructor(values: Iterable<string | undefined>) {
    const kept = [...values].filter((v): v is string => v !== undefined && v.length >= MIN_SECRET_LENGTH);
    this.values = [...new Set(kept)].sort((a, b) => b.length - a.length);
  }

  /** The secrets of a server: secret-named variables of `env`, secret flag values of `args`. */
  static of(source: { env?: Record<string, string | undefined>; args?: readonly string[] }): Secrets {
    return new Secrets([...secretEnvValues(source.env ?? {}), ...secretFlagValues(source.args ?? [])]);
  }

  /** The secret-named variables of an environment (by default this process's). */
  static fromEnv(env: Record<string, string | undefined> = process.env): Secrets {
    return new Secrets(secretEnvValues(env));
  }

  with(...others: Array<Secrets | Iterable<string | undefined>>): Secrets {
    const more = others.flatMap(
      (o): Array<string | undefined> => (o instanceof Secrets ? [...o.values] : [...o]),
    );
    return new Secrets([...this.values, ...more]);
  }

  /** Free text with every secret value, and every value given to a secret flag or name, as `***`. */
  mask(text: string): string {
    let clean = text;
    for (const secret of this.values) clean = clean.replaceAll(secret, MASK);
    return maskContext(clean);
  }

  /** Server arguments as recorded: a secret flag's value is `***` by position, then masked as text. */
  maskArgs(args: readonly string[]): string[] {
    return args.map((arg, i) => {
      const eq = arg.indexOf('=');
      if (arg.startsWith('-') && eq > 0 && isSecretFlag(arg.slice(0, eq)))
        return `${arg.slice(0, eq + 1)}${MASK}`;
      const previous = args[i - 1];
      if (previous !== undefined && isSecretFlag(previous) && !looksLikeFlag(arg)) return MASK;
      return this.mask(arg);
    });
  }

  /** An environment as recorded: secret-named variables are `***`, the others masked as text. */
  maskEnv(env: Record<string, string | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) continue;
      out[name] = isSecretName(name) ? MASK : this.mask(value);
    }
    return out;
  }

  /** A copy of a JSON-like value with every string in it masked (keys too). */
  maskDeep<T>(value: T): T {
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.mask(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(Object.entries(v).map(([k, inner]) => [this.mask(k), walk(inner)]));
      }
      return v;
    };
    return walk(value) as T;
  }
}

/** Secrets this process has been told about (the servers it started), beside its environment's. */
const registered = new Set<string>();

/** Remembers a server's secrets, so that every file and summary this process writes masks them. */
export function registerSecrets(secrets: Secrets): void {
  for (const value of secrets.values) registered.add(value);
}

/**
 * Every secret this process knows: its environment's (read now) and the registered ones. The
 * last line of defence where servebench writes a file or prints a summary.
 */
export function knownSecrets(): Secrets {
  return Secrets.fromEnv(process.env).with(registered);
}
