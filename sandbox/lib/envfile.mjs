// The env file: KEY=value lines (shell-sourceable, dotenv-compatible) shared by status and tests.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { envFile } from './paths.mjs';

const quote = (v) => (/^[\w@%+=:,./-]*$/.test(v) ? v : `'${String(v).replace(/'/g, `'\\''`)}'`);

export function envLines(env) {
  return Object.entries(env).map(([k, v]) => `${k}=${quote(String(v))}`);
}

export function writeEnvFile(env) {
  mkdirSync(dirname(envFile), { recursive: true });
  const head = `# ai-deploy sandbox; written by \`npm run sandbox -- up\` at ${new Date().toISOString()}`;
  writeFileSync(envFile, [head, ...envLines(env), ''].join('\n'));
}

/** Parse KEY=value lines (optionally `export `-prefixed, single-quoted values) into an object. */
export function parseEnv(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1).replace(/'\\''/g, "'");
    out[m[1]] = v;
  }
  return out;
}

export function readEnvFile(file = envFile) {
  return parseEnv(readFileSync(file, 'utf8'));
}
