// The ONE place tests get sandbox addresses from: the env file written by `npm run sandbox -- up`.
import { existsSync } from 'node:fs';
import { envFile } from './lib/paths.mjs';
import { readEnvFile } from './lib/envfile.mjs';

export { envFile };

/** Addresses of the running sandbox. Throws when `npm run sandbox -- up` has not run. */
export function sandboxEnv() {
  if (!existsSync(envFile)) throw new Error(`no sandbox env file at ${envFile}: run \`npm run sandbox -- up\``);
  const e = readEnvFile();
  const need = (k) => {
    if (!e[k]) throw new Error(`sandbox env file ${envFile} has no ${k}: is that part down? run \`npm run sandbox -- status\``);
    return e[k];
  };
  return {
    kubeconfigPath: need('KUBECONFIG'),
    prometheusUrl: need('PROMETHEUS_URL'),
    awsEndpointUrl: need('AWS_ENDPOINT_URL'),
    aws: {
      endpoint: need('AWS_ENDPOINT_URL'),
      region: need('AWS_REGION'),
      credentials: { accessKeyId: need('AWS_ACCESS_KEY_ID'), secretAccessKey: need('AWS_SECRET_ACCESS_KEY') },
      forcePathStyle: true,
    },
    registry: need('REGISTRY'),
    registryAuth: { host: need('REGISTRY_AUTH'), user: need('REGISTRY_USER'), password: need('REGISTRY_PASSWORD') },
    envFile,
    raw: e,
  };
}

/** The sandbox gateway (Traefik, parts/gateway.mjs): {url, metricsUrl, name, namespace}. Throws when that part is down. */
export function sandboxGateway() {
  const e = readEnvFile();
  if (!e.GATEWAY_URL) throw new Error(`sandbox env file ${envFile} has no GATEWAY_URL: is the gateway part down? run \`npm run sandbox -- up\``);
  return { url: e.GATEWAY_URL, metricsUrl: e.GATEWAY_METRICS_URL, name: 'sandbox', namespace: 'ai-deploy-sandbox' };
}

/** The sandbox's forward proxy (squid): its URL, a host name only it resolves, and one it refuses. */
export function sandboxProxy() {
  if (!existsSync(envFile)) throw new Error(`no sandbox env file at ${envFile}: run \`npm run sandbox -- up\``);
  const e = readEnvFile();
  if (!e.PROXY_URL) throw new Error(`sandbox env file ${envFile} has no PROXY_URL: is the proxy part down? run \`npm run sandbox -- up\``);
  return { url: e.PROXY_URL, onlyThroughProxy: e.PROXY_ONLY_HOST, refused: e.PROXY_REFUSED_HOST };
}

/** Path of the act binary (nektos/act, built by parts/act.mjs). Throws when `up` has not built it. */
export function sandboxAct() {
  const act = process.env.ACT ?? readEnvFile().ACT;
  if (!act || !existsSync(act)) throw new Error(`sandbox env file ${envFile} names no act binary: run \`npm run sandbox -- up\``);
  return act;
}
