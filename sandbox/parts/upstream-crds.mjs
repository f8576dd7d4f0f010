// The traffic-router CRDs the sandbox takes unchanged from upstream, so that the API server itself validates
// (structural schema, defaults, CEL rules) every route ai-deploy writes:
//   - Gateway API, standard channel, of sigs.k8s.io/gateway-api as pinned in traefik-tool/go.mod (the version
//     the sandbox's Traefik is built against): config/crd/standard/gateway.networking.k8s.io_<kind>.yaml.
//   - Istio VirtualService and DestinationRule, of istio.io/api as pinned in crd-tool/go.mod:
//     kubernetes/customresourcedefinitions.gen.yaml.
// Both modules come from the Go module cache (`go mod download -json`, through the Go proxy when missing).
// Applied with server-side apply on every `up` (idempotent); a CRD that the sandbox once served open is
// replaced in place.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { host, ports, runDir, sandboxDir } from '../lib/paths.mjs';
import { ensurePki } from '../lib/certs.mjs';
import { kubeClient } from '../lib/kubeapi.mjs';
import { which } from '../lib/process.mjs';
import { waitFor } from '../lib/wait.mjs';

export const name = 'upstream-crds';
export const after = ['kubernetes'];
export const daemons = [];

/**
 * Gateway API channel. The standard channel holds every field ai-deploy writes (weighted backendRefs, header
 * matches, ResponseHeaderModifier, RequestMirror with `percent`, standard since v1.3), and it is what most
 * clusters install: a field ai-deploy wrote from the experimental channel alone would be pruned here, and the
 * route would never converge, which the specs catch.
 */
export const gatewayApiChannel = 'standard';
/** The kinds Traefik's kubernetesGateway provider watches, plus nothing else. */
export const gatewayApiKinds = ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants', 'backendtlspolicies', 'tlsroutes'];
export const istioCrds = ['virtualservices.networking.istio.io', 'destinationrules.networking.istio.io'];
/**
 * The experimental channel's HTTPRoute cannot be served beside the standard one under the same name, so it is
 * served unchanged but for its group (`experimental.gateway.networking.k8s.io`): a spec writes the routes
 * ai-deploy produced into it, so the schema, defaults and CEL rules of both channels judge every route we write.
 */
export const experimentalGroup = 'experimental.gateway.networking.k8s.io';
/** Annotation naming the module and file a CRD came from, so `status` can tell an open CRD left from an older sandbox. */
const sourceAnnotation = 'ai-deploy.dev/sandbox-crd-source';

/** {Path, Version, Dir} of the version of `module` that the Go tools module in `modDir` pins. */
export async function pinnedModule(module, modDir) {
  if (!which('go')) throw new Error(`Go is needed to read the pinned ${module} CRDs (go not on PATH)`);
  const { stdout } = await promisify(execFile)('go', ['mod', 'download', '-json', module], {
    cwd: modDir, env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' }, maxBuffer: 1 << 20,
  }).catch((e) => ({ stdout: e.stdout || JSON.stringify({ Error: e.message }) }));
  const info = JSON.parse(stdout);
  if (!info.Dir) throw new Error(`go mod download ${module} (in ${modDir}): ${info.Error}`);
  return info;
}

function tagged(crd, source) {
  crd.metadata.annotations = { ...crd.metadata.annotations, [sourceAnnotation]: source };
  return crd;
}

/** The CRD objects to apply, read from the pinned modules. */
export async function upstreamCrds() {
  const gw = await pinnedModule('sigs.k8s.io/gateway-api', join(sandboxDir, 'traefik-tool'));
  const gwDir = join(gw.Dir, 'config', 'crd', gatewayApiChannel);
  const gateway = gatewayApiKinds.map((k) => {
    const file = `gateway.networking.k8s.io_${k}.yaml`;
    return tagged(parse(readFileSync(join(gwDir, file), 'utf8')), `${gw.Path}@${gw.Version} config/crd/${gatewayApiChannel}/${file}`);
  });
  const xFile = 'gateway.networking.k8s.io_httproutes.yaml';
  const experimental = parse(readFileSync(join(gw.Dir, 'config', 'crd', 'experimental', xFile), 'utf8'));
  experimental.metadata.name = `httproutes.${experimentalGroup}`;
  experimental.spec.group = experimentalGroup;
  gateway.push(tagged(experimental, `${gw.Path}@${gw.Version} config/crd/experimental/${xFile} (group renamed)`));
  const istio = await pinnedModule('istio.io/api', join(sandboxDir, 'crd-tool'));
  const file = 'kubernetes/customresourcedefinitions.gen.yaml';
  const all = parseAllDocuments(readFileSync(join(istio.Dir, file), 'utf8')).map((d) => d.toJS()).filter(Boolean);
  const picked = istioCrds.map((n) => {
    const crd = all.find((d) => d.kind === 'CustomResourceDefinition' && d.metadata?.name === n);
    if (!crd) throw new Error(`${istio.Path}@${istio.Version} ${file} has no CRD ${n}`);
    return tagged(crd, `${istio.Path}@${istio.Version} ${file}`);
  });
  return [...gateway, ...picked];
}

const pkiDir = join(runDir, 'kubernetes', 'pki');

function client() {
  return kubeClient(ensurePki(pkiDir), `https://${host}:${ports.apiserver}`);
}

const established = (crd) => crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');

export function env() {
  return {};
}

/** Up when every upstream CRD is served as applied (an open CRD left from an older sandbox counts as down). */
export async function check() {
  if (!existsSync(join(pkiDir, 'admin.crt'))) return false; // never started: status must not make certificates
  const api = client();
  const rs = await Promise.all([...gatewayApiKinds.map((k) => `${k}.gateway.networking.k8s.io`), `httproutes.${experimentalGroup}`, ...istioCrds]
    .map((n) => api.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${n}`)));
  return rs.every((r) => r.status === 200 && established(r.body) && r.body.metadata.annotations?.[sourceAnnotation]);
}

export async function up(log) {
  const api = client();
  const crds = await upstreamCrds();
  await Promise.all(crds.map((c) => api.apply(c)));
  await waitFor('upstream CRDs established', async () => {
    const rs = await Promise.all(crds.map((c) => api.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c.metadata.name}`)));
    return rs.every((r) => established(r.body));
  });
  log(`applied ${crds.map((c) => c.metadata.annotations[sourceAnnotation].split(' ')[0]).filter((v, i, a) => a.indexOf(v) === i).join(', ')}`);
  return env();
}
