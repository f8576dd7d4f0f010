import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { run as post } from '../../actions/build-image/post.js';
import { buildahContainers, removeOnCancel } from '../../shared/image/leftovers.js';
import { runInProcess } from '../support/run-step.js';
import { buildahEnv, tempDir } from '../image/support.js';
import { fakeDocker } from '../image/fake-docker.js';

const saved = { ...process.env };
beforeAll(() => void Object.assign(process.env, buildahEnv()));
afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

/** A work folder as a build leaves it: the registry credentials file inside. */
function workDirWithCredentials(): string {
  const dir = tempDir('ai-deploy-build-');
  mkdirSync(join(dir, 'ai-deploy-auth-x'));
  writeFileSync(join(dir, 'ai-deploy-auth-x', 'auth.json'), JSON.stringify({ auths: { r: { auth: Buffer.from('u:p4ssw0rd').toString('base64') } } }));
  return dir;
}

describe('build-image leaves no credentials or working containers behind', () => {
  it('removes, in the post step after a killed main, the credentials file and the buildah containers the build created, and only those', async () => {
    const env = { ...process.env } as Record<string, string>;
    // IDs, as `buildah containers` lists them (`buildah from` prints the name).
    const created = async () => {
      const known = (await buildahContainers())!;
      execFileSync('buildah', ['from', 'scratch'], { env });
      return (await buildahContainers())!.find((id) => !known.includes(id))!;
    };
    const older = await created();
    const before = await buildahContainers();
    const cutShort = await created();
    const workDir = workDirWithCredentials();
    const state = { build: JSON.stringify({ workDir, containersBefore: before, finished: false }) };

    const result = await runInProcess(post, {}, { state });

    expect(result.failed).toBe(false);
    expect(existsSync(workDir)).toBe(false);
    const after = (await buildahContainers())!;
    expect(after).toContain(older);
    expect(after).not.toContain(cutShort);
    expect(result.stdout).toContain('removed its work folder and credentials file and 1 buildah working container(s)');
    execFileSync('buildah', ['rm', older], { env });
  });

  it('logs Docker out, in the post step after a killed main, of the registry it logged in to with the action\'s credentials', async () => {
    const docker = fakeDocker({ daemon: true });
    const workDir = workDirWithCredentials();
    const state = { build: JSON.stringify({ workDir, dockerLogin: 'ghcr.io', finished: false }) };
    const result = await runInProcess(post, {}, { state, env: { PATH: `${docker.binDir}:${process.env.PATH}` } });
    expect(result.failed).toBe(false);
    expect(docker.calls().map((c) => c.args)).toEqual([['logout', 'ghcr.io']]);
    expect(existsSync(workDir)).toBe(false);
    expect(result.stdout).toContain('and logged Docker out of ghcr.io.');
  });

  it('removes the work folder in the post step even when main finished, and says nothing was left', async () => {
    const workDir = workDirWithCredentials();
    const result = await runInProcess(post, {}, { state: { build: JSON.stringify({ workDir, finished: true }) } });
    expect(existsSync(workDir)).toBe(false);
    expect(result.stdout).toContain('build-image cleaned up after itself.');
  });

  it('removes the credentials at once on the runner\'s cancel signal, then exits as the signal asks', () => {
    const workDir = workDirWithCredentials();
    const exits: string[] = [];
    const stop = removeOnCancel(workDir, ['SIGUSR2'], (signal) => exits.push(signal));
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(existsSync(workDir)).toBe(false);
    expect(exits).toEqual(['SIGUSR2']);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
    stop();
  });
});
