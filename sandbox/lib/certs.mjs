// Certificates for the local API server (openssl, EC P-256): a CA, the serving cert,
// an admin client cert (group system:masters) and the service-account signing key pair.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Create (once) and return the paths of all PKI files under dir. */
export function ensurePki(dir) {
  mkdirSync(dir, { recursive: true });
  const p = (f) => join(dir, f);
  const files = {
    ca: p('ca.crt'), caKey: p('ca.key'),
    server: p('apiserver.crt'), serverKey: p('apiserver.key'),
    admin: p('admin.crt'), adminKey: p('admin.key'),
    sa: p('sa.key'), saPub: p('sa.pub'),
  };
  if (Object.values(files).every((f) => existsSync(f))) return files;
  const days = ['-days', '3650'];
  openssl(['req', '-x509', ...ec, ...days, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=ai-deploy-sandbox-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const leaf = (name, subj, ext) =>
    openssl(['req', '-x509', '-CA', 'ca.crt', '-CAkey', 'ca.key', ...ec, ...days, '-keyout', `${name}.key`,
      '-out', `${name}.crt`, '-subj', subj, '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', ...ext.flatMap((e) => ['-addext', e])], dir);
  leaf('apiserver', '/CN=kube-apiserver', ['extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1']);
  leaf('admin', '/O=system:masters/CN=sandbox-admin', ['extendedKeyUsage=clientAuth']);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key'], dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return files;
}

/**
 * Create (once) and return the certs of API aggregation, beside (never replacing) those of ensurePki: the
 * front-proxy CA and the API server's proxy client cert (`CN=front-proxy-client`, what aggregated servers
 * trust through `--requestheader-*`), and serving certs from the sandbox CA for metrics-server (the name
 * the aggregator checks, `metrics-server.kube-system.svc`) and for kwok's kubelet-like endpoint (127.0.0.1).
 */
export function ensureAggregationPki(dir) {
  const p = (f) => join(dir, f);
  const files = {
    frontProxyCa: p('front-proxy-ca.crt'), frontProxyCaKey: p('front-proxy-ca.key'),
    proxyClient: p('front-proxy-client.crt'), proxyClientKey: p('front-proxy-client.key'),
    metricsServer: p('metrics-server.crt'), metricsServerKey: p('metrics-server.key'),
    kwokServer: p('kwok-server.crt'), kwokServerKey: p('kwok-server.key'),
  };
  if (Object.values(files).every((f) => existsSync(f))) return files;
  const days = ['-days', '3650'];
  openssl(['req', '-x509', ...ec, ...days, '-keyout', 'front-proxy-ca.key', '-out', 'front-proxy-ca.crt', '-subj', '/CN=ai-deploy-sandbox-front-proxy-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const leaf = (ca, name, subj, ext) =>
    openssl(['req', '-x509', '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, ...ec, ...days, '-keyout', `${name}.key`,
      '-out', `${name}.crt`, '-subj', subj, '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', ...ext.flatMap((e) => ['-addext', e])], dir);
  leaf('front-proxy-ca', 'front-proxy-client', '/CN=front-proxy-client', ['extendedKeyUsage=clientAuth']);
  leaf('ca', 'metrics-server', '/CN=metrics-server', ['extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:metrics-server.kube-system.svc,DNS:localhost,IP:127.0.0.1']);
  leaf('ca', 'kwok-server', '/CN=kwok-server', ['extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  return files;
}

/** A self-contained kubeconfig (certs embedded) for the admin user. */
export function kubeconfigYaml(pki, server) {
  const b64 = (f) => readFileSync(f).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: ai-deploy-sandbox
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(pki.ca)}
users:
- name: sandbox-admin
  user:
    client-certificate-data: ${b64(pki.admin)}
    client-key-data: ${b64(pki.adminKey)}
contexts:
- name: ai-deploy-sandbox
  context: {cluster: ai-deploy-sandbox, user: sandbox-admin, namespace: default}
current-context: ai-deploy-sandbox
`;
}
