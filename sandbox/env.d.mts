// Types for sandbox/env.mjs (import { sandboxEnv } from '../sandbox/env.mjs').
export interface SandboxEnv {
  /** Path of a self-contained kubeconfig (admin client cert) for the sandbox API server. */
  kubeconfigPath: string;
  /** e.g. http://127.0.0.1:9090 (remote write at /api/v1/write, admin API on). */
  prometheusUrl: string;
  /** moto_server (S3 + CloudWatch), e.g. http://127.0.0.1:5005. */
  awsEndpointUrl: string;
  /** Ready-made AWS SDK v3 client settings for moto. */
  aws: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: true;
  };
  /** Registry without auth, host:port, plain HTTP. */
  registry: string;
  /** Registry with htpasswd basic auth, plain HTTP. */
  registryAuth: { host: string; user: string; password: string };
  /** Path of the env file the values come from. */
  envFile: string;
  /** Every KEY=value of the env file. */
  raw: Record<string, string>;
}

export declare const envFile: string;
export declare function sandboxEnv(): SandboxEnv;

/** The sandbox gateway: Traefik serving Gateway `sandbox` in namespace `ai-deploy-sandbox` (all namespaces' routes). */
export interface SandboxGateway {
  /** GATEWAY_URL, e.g. http://127.0.0.1:18000: send requests with the HTTPRoute's hostname as Host. */
  url: string;
  /** Traefik's Prometheus metrics (`/metrics`) and `/ping`. */
  metricsUrl: string;
  name: 'sandbox';
  namespace: 'ai-deploy-sandbox';
}
export declare function sandboxGateway(): SandboxGateway;

export interface SandboxProxy {
  /** squid, e.g. http://127.0.0.1:3128. */
  url: string;
  /** A name that resolves to 127.0.0.1 for the proxy only (not for the test process). */
  onlyThroughProxy: string;
  /** A name the proxy refuses with 403. */
  refused: string;
}
export declare function sandboxProxy(): SandboxProxy;

/** Path of nektos/act (v0.2.89, from sandbox/act-tool), to run workflows as users try them locally. */
export declare function sandboxAct(): string;
