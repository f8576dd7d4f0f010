import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GITOPS_ANNOTATIONS } from '../../shared/canary/gitops.js';
import { ROLLOUT_RESTORE } from '../../shared/canary/rollout-strategy.js';

const root = new URL('../..', import.meta.url).pathname;
const page = readFileSync(join(root, 'docs/gitops.md'), 'utf8');
const examples = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]) as Record<string, any>);
const byKind = (kind: string) => examples.find((e) => e.kind === kind)!;

describe('docs/gitops.md', () => {
  it('is linked from the README', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('(docs/gitops.md)');
  });

  it('its Argo CD Application ignores every route kind the routers weigh and the replica fields, and syncs with RespectIgnoreDifferences', () => {
    const app = byKind('Application');
    const kinds = app.spec.ignoreDifferences.map((d: { kind: string }) => d.kind);
    expect(kinds).toEqual(expect.arrayContaining(['HTTPRoute', 'VirtualService', 'TrafficSplit', 'Ingress', 'Deployment', 'HorizontalPodAutoscaler', 'ScaledObject']));
    for (const d of app.spec.ignoreDifferences) expect([d.kind, (d.jsonPointers ?? d.jqPathExpressions ?? []).length > 0]).toEqual([d.kind, true]);
    expect(app.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  it('its Flux examples parse: the route annotated ssa IfNotPresent, the HelmRelease ignoring routes and replicas', () => {
    expect(byKind('HTTPRoute').metadata.annotations['kustomize.toolkit.fluxcd.io/ssa']).toBe('IfNotPresent');
    const targets = byKind('HelmRelease').spec.driftDetection.ignore.map((i: { target: { kind: string } }) => i.target.kind);
    expect(targets).toEqual(['HTTPRoute', 'Deployment', 'HorizontalPodAutoscaler']);
  });

  it('names the annotations ai-deploy puts on the objects it creates', () => {
    for (const [k, v] of Object.entries(GITOPS_ANNOTATIONS)) expect(page).toContain(`${k}: ${v}`);
  });

  it('says what promote changes on the stable Deployment for its rollout, where it records it, and both tools ignore that field', () => {
    expect(page).toContain(`annotation \`${ROLLOUT_RESTORE}\``);
    const argo = byKind('Application').spec.ignoreDifferences.find((d: { kind: string }) => d.kind === 'Deployment');
    expect(argo.jsonPointers).toContain('/spec/strategy/rollingUpdate');
    const flux = byKind('HelmRelease').spec.driftDetection.ignore.find((i: { target: { kind: string } }) => i.target.kind === 'Deployment');
    expect(flux.paths).toContain('/spec/strategy/rollingUpdate');
  });
});
