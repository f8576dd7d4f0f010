import { describe, expect, it } from '@jest/globals';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsFromAuthConfig, hasCredentialHelper, writeAuthFile } from '../../shared/image/credentials.js';
import { failingLine } from '../../shared/image/command.js';
import { tempDir } from './support.js';

function dockerConfig(content: object): NodeJS.ProcessEnv {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify(content));
  return { DOCKER_CONFIG: dir, HOME: tempDir() };
}

describe('registry logins left by docker login', () => {
  it('finds the base64 auth of a registry, whatever the key\'s scheme', () => {
    const env = dockerConfig({ auths: { 'https://ghcr.io': { auth: Buffer.from('bot:tok:en').toString('base64') } } });
    expect(credentialsFromAuthConfig('ghcr.io', env)).toEqual({ username: 'bot', password: 'tok:en' });
    expect(credentialsFromAuthConfig('quay.io', env)).toBeUndefined();
  });

  it('maps Docker Hub\'s index URL to docker.io', () => {
    const env = dockerConfig({ auths: { 'https://index.docker.io/v1/': { username: 'u', password: 'p-123' } } });
    expect(credentialsFromAuthConfig('docker.io', env)).toEqual({ username: 'u', password: 'p-123' });
  });

  it('knows when a credential helper holds the login (which only Docker can read)', () => {
    expect(hasCredentialHelper('ghcr.io', dockerConfig({ credHelpers: { 'ghcr.io': 'gcloud' } }))).toBe(true);
    expect(hasCredentialHelper('ghcr.io', dockerConfig({ auths: {} }))).toBe(false);
  });

  it('writes an auth file readable by its owner only, and removes it', async () => {
    const file = await writeAuthFile('127.0.0.1:5001', { username: 'u', password: 'secret-pw' });
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file.path, 'utf8'))).toEqual({ auths: { '127.0.0.1:5001': { auth: Buffer.from('u:secret-pw').toString('base64') } } });
    await file.remove();
    expect(() => statSync(file.path)).toThrow();
  });
});

describe('the failing line of a build', () => {
  it('takes the last ERROR line of BuildKit output', () => {
    expect(failingLine('#4 [2/2] RUN make\n#4 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2\n------\n > [2/2] RUN make:\nERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2\n')).toBe(
      'ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
    );
  });

  it('takes buildah\'s Error: line over the warnings after it', () => {
    expect(failingLine('STEP 1/2: FROM scratch\nError: building at STEP "COPY a /a": no such file or directory\n[Warning] one or more build args were not consumed\n')).toBe(
      'Error: building at STEP "COPY a /a": no such file or directory',
    );
  });

  it('falls back to the last line', () => {
    expect(failingLine('step one\nsomething odd happened\n\n')).toBe('something odd happened');
  });
});
