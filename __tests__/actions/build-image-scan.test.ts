import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { fakeTrivy } from '../image/fake-trivy.js';
import { registries, tempDir, uniqueRepository } from '../image/support.js';
import { runBuildImage, workspace } from '../image/run-build-image.js';

const { open, auth } = registries();
const REPORT = fileURLToPath(new URL('../image/fixtures/trivy-report.json', import.meta.url));
const buildahOnly = () => `${tempDir()}:${(process.env.PATH ?? '').split(':').filter((d) => !d.includes('ai-deploy-fake')).join(':')}`;

describe('build-image vulnerability gate', () => {
  it('says the image was not scanned when trivy is missing, instead of passing silently', async () => {
    const repo = uniqueRepository('scan-missing');
    const result = await runBuildImage({ image: `${open.host}/${repo}`, builder: 'buildah', scan: 'high' }, { workspace: workspace(), env: { PATH: buildahOnly() } });
    expect(result.failed).toBe(false);
    expect(result.warnings).toEqual(['Vulnerability scan skipped: `trivy` is not on PATH, so the image was NOT scanned.']);
    expect(result.summary).toContain('**Vulnerability scan skipped:** `trivy` is not on PATH, so the image was NOT scanned.');
  });

  it('fails at or above the severity, after scanning the pushed digest with credentials in the environment', async () => {
    const trivy = fakeTrivy(REPORT);
    const repo = uniqueRepository('scan-high');
    const result = await runBuildImage(
      { image: `${auth.host}/${repo}`, builder: 'buildah', scan: 'medium', 'registry-username': auth.credentials.username, 'registry-password': auth.credentials.password },
      { workspace: workspace(), env: { PATH: `${trivy.binDir}:${process.env.PATH}` } },
    );
    const image = `${auth.host}/${repo}@${result.outputs.digest}`;
    expect(result.errors).toEqual([`Vulnerability gate: 2 finding(s) at or above MEDIUM in ${image}: CVE-2024-0001, CVE-2024-0003.`]);
    expect(trivy.calls()).toEqual([
      { args: ['image', '--format', 'json', '--quiet', '--exit-code', '0', '--severity', 'MEDIUM,HIGH,CRITICAL', '--insecure', image], username: 'sandbox', hasPassword: true, nonSsl: 'true' },
    ]);
    expect(result.summary).toContain('**Vulnerability scan (trivy) failed:** 2 finding(s) at or above MEDIUM.');
    expect(result.summary).toContain('| HIGH | CVE-2024-0001 | openssl |');
    // The outputs still name the image, so a later step can inspect what failed the gate.
    expect(result.outputs.image).toBe(image);
  });

  it('passes when every finding is below the severity', async () => {
    const trivy = fakeTrivy(REPORT);
    const result = await runBuildImage(
      { image: `${open.host}/${uniqueRepository('scan-pass')}`, builder: 'buildah', scan: 'critical' },
      { workspace: workspace(), env: { PATH: `${trivy.binDir}:${process.env.PATH}` } },
    );
    expect(result.errors).toEqual([]);
    expect(trivy.calls()[0].args).toContain('CRITICAL');
    expect(trivy.calls()[0].username).toBeUndefined();
    expect(result.summary).toContain('Vulnerability scan (trivy): no finding at or above CRITICAL.');
  });
});
