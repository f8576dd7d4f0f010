// Minimal Kubernetes API client (node:https + client cert) for setting the sandbox up.
import https from 'node:https';
import { readFileSync } from 'node:fs';

const paths = {
  CustomResourceDefinition: (n) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${n}`,
  Node: (n) => `/api/v1/nodes/${n}`,
  Namespace: (n) => `/api/v1/namespaces/${n}`,
  GatewayClass: (n) => `/apis/gateway.networking.k8s.io/v1/gatewayclasses/${n}`,
  Gateway: (n, ns) => `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/gateways/${n}`,
  Service: (n, ns) => `/api/v1/namespaces/${ns}/services/${n}`,
  APIService: (n) => `/apis/apiregistration.k8s.io/v1/apiservices/${n}`,
};

export function kubeClient(pki, server) {
  const tls = { ca: readFileSync(pki.ca), cert: readFileSync(pki.admin), key: readFileSync(pki.adminKey) };

  function request(method, path, body, contentType = 'application/json') {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(path, server), {
        method, ...tls, agent: false, timeout: 10_000,
        headers: { accept: 'application/json', ...(data ? { 'content-type': contentType } : {}) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let json = null;
          try { json = JSON.parse(text); } catch {}
          resolve({ status: res.statusCode, body: json ?? text });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Server-side apply of one object (create or update). */
  async function apply(obj) {
    const path = paths[obj.kind]?.(obj.metadata.name, obj.metadata.namespace);
    if (!path) throw new Error(`kubeapi.apply: unsupported kind ${obj.kind}`);
    const r = await request('PATCH', `${path}?fieldManager=ai-deploy-sandbox&force=true`, obj, 'application/apply-patch+yaml');
    if (r.status >= 300) throw new Error(`apply ${obj.kind}/${obj.metadata.name}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  return { tls, request, apply, get: (path) => request('GET', path) };
}
