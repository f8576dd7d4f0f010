import { readFileSync } from 'node:fs';
import { setSecret } from '@actions/core';
import { parse } from 'yaml';

const registered = new Set<string>();
/** The registered secrets, longest first, for `redactSecrets`; rebuilt when a secret is added. */
let longestFirst: string[] | undefined;

/** Masks a secret in all later log output and remembers it, so state and reports can refuse it. */
export function maskSecret(value: string | undefined): void {
  if (!value) return;
  for (const piece of [value, ...value.split(/\r?\n/)]) {
    const p = piece.trim();
    if (p.length < 4 || registered.has(p)) continue;
    registered.add(p);
    longestFirst = undefined;
    setSecret(p);
  }
}

/** `user:` keys whose value is a credential (kubectl's spelling, and client-node's camelCase). */
const USER_SECRETS = ['token', 'password', 'client-key-data', 'client-certificate-data', 'clientKeyData', 'clientCertificateData'];
/** `user:` keys naming a file whose contents are a credential. */
const USER_SECRET_FILES = ['tokenFile', 'token-file', 'client-key', 'clientKey'];
/** An auth-provider's config or an exec plugin's env var holds a credential when its name says so. */
const SECRET_NAME = /token|secret|password|passwd|key|credential/i;

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A `*-data` field is base64: its decoded text (a PEM key) is masked too, line by line, without the `-----BEGIN` markers. */
function maskData(value: string): void {
  maskSecret(value);
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  maskSecret(
    decoded
      .split(/\r?\n/)
      .filter((line) => !line.startsWith('-----'))
      .join('\n'),
  );
}

function maskFileContents(path: string): void {
  try {
    maskSecret(readFileSync(path, 'utf8'));
  } catch {
    // A file that cannot be read now cannot leak now; the client reports it when it needs the file.
  }
}

function maskUser(user: Mapping): void {
  for (const key of USER_SECRETS) {
    const value = user[key];
    if (typeof value !== 'string') continue;
    if (key.endsWith('-data') || key.endsWith('Data')) maskData(value);
    else maskSecret(value);
  }
  for (const key of USER_SECRET_FILES) if (typeof user[key] === 'string') maskFileContents(user[key]);
  const provider = user['auth-provider'] ?? user.authProvider;
  if (isMapping(provider) && isMapping(provider.config)) {
    for (const [name, value] of Object.entries(provider.config)) {
      if (typeof value === 'string' && SECRET_NAME.test(name)) maskSecret(value);
      if (name === 'tokenFile' && typeof value === 'string') maskFileContents(value);
    }
  }
  if (isMapping(user.exec) && Array.isArray(user.exec.env)) {
    for (const variable of user.exec.env) {
      if (isMapping(variable) && typeof variable.name === 'string' && typeof variable.value === 'string' && SECRET_NAME.test(variable.name)) {
        maskSecret(variable.value);
      }
    }
  }
}

/** The old line pattern, for text that does not even parse: client-node will refuse it, but not before it could be echoed. */
function maskUnparsed(contents: string): void {
  const credential = /["']?(token|client-key-data|client-certificate-data|password|id-token|refresh-token|access-token)["']?\s*:\s*["']?([^"',}\s]+)/g;
  for (const match of contents.matchAll(credential)) maskSecret(match[2]);
}

/**
 * Every credential of every user in a kubeconfig is masked: tokens, token files' contents, client keys and
 * certificates (as given and decoded), passwords, auth-provider tokens and secrets, exec plugins' secret env.
 * The text is parsed (YAML or JSON, any quoting or flow style) rather than matched line by line. Its other
 * values (`kind: Config`, `current-context: ...`) are not masked: that would blank the same words wherever
 * they appear in the log. The whole text is still refused in state and reports.
 */
export function maskKubeconfig(contents: string | undefined): void {
  if (!contents?.trim()) return;
  registered.add(contents);
  longestFirst = undefined;
  let config: unknown;
  try {
    config = parse(contents, { maxAliasCount: 100 });
  } catch {
    maskUnparsed(contents);
    return;
  }
  if (!isMapping(config) || !Array.isArray(config.users)) {
    maskUnparsed(contents);
    return;
  }
  for (const entry of config.users) {
    if (isMapping(entry) && isMapping(entry.user)) maskUser(entry.user);
  }
}

/**
 * Masks the credentials of a URL (`https://user:pass@host/`) before it is checked or used: the password as
 * written and decoded, and `user:pass` as an Authorization header would carry it. Text that is not a URL is
 * scanned for a `//user:pass@` part all the same, since an error about it would quote it.
 */
export function maskUrlCredentials(value: string | undefined): void {
  if (!value) return;
  const match = /\/\/([^/?#@\s]*)@/.exec(value);
  if (!match) return;
  const userinfo = match[1];
  maskSecret(userinfo);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return;
  const password = userinfo.slice(colon + 1);
  maskSecret(password);
  try {
    const plain = decodeURIComponent(password);
    maskSecret(plain);
    maskSecret(Buffer.from(`${decodeURIComponent(userinfo.slice(0, colon))}:${plain}`).toString('base64'));
  } catch {
    // A malformed %-escape: the URL check refuses it; the raw text is masked already.
  }
}

/** What client-node's authenticators leave on request options (headers, exec-issued client key and cert). */
interface AuthenticatedOptions {
  headers?: Record<string, unknown>;
  key?: unknown;
  cert?: unknown;
  passphrase?: unknown;
}

function maskAuthenticated(opts: AuthenticatedOptions): void {
  const authorization = opts.headers?.Authorization ?? opts.headers?.authorization;
  if (typeof authorization === 'string') maskSecret(authorization.replace(/^(Bearer|Basic)\s+/i, ''));
  for (const value of [opts.key, opts.passphrase]) {
    if (typeof value === 'string' || Buffer.isBuffer(value)) maskSecret(value.toString().split(/\r?\n/).filter((l) => !l.startsWith('-----')).join('\n'));
  }
}

/**
 * Masks every credential a kubeconfig's plugins produce at run time (exec plugins such as EKS's and GKE's, OIDC and
 * other auth-providers, token files re-read every minute) before the request that carries it is sent.
 * client-node has no public hook: each of its request paths (`applySecurityAuthentication`, `applyToFetchOptions`,
 * `applyToHTTPSOptions`) calls `applyOptions`, which runs the authenticators; it is wrapped on this one instance.
 */
export function maskIssuedCredentials(kc: object): void {
  const target = kc as { applyOptions?: (opts: AuthenticatedOptions) => Promise<void> };
  const apply = target.applyOptions;
  if (typeof apply !== 'function') throw new Error('@kubernetes/client-node no longer has KubeConfig.applyOptions: plugin-issued credentials cannot be masked.');
  target.applyOptions = async function (opts: AuthenticatedOptions): Promise<void> {
    await apply.call(this, opts);
    maskAuthenticated(opts);
  };
}

/** True when the text contains any secret masked in this run. */
export function containsSecret(text: string): boolean {
  for (const secret of registered) if (text.includes(secret)) return true;
  return false;
}

/** The text with every secret masked in this run replaced by `***`, as the runner shows it in logs. */
export function redactSecrets(text: string): string {
  if (!containsSecret(text)) return text;
  longestFirst ??= [...registered].sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of longestFirst) if (out.includes(secret)) out = out.split(secret).join('***');
  return out;
}

/** A copy of a value (a report, stored results) with every masked secret in its strings replaced by `***`. */
export function redactSecretsIn<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactSecretsIn(v)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactSecrets(k), redactSecretsIn(v)])) as T;
  }
  return value;
}
