import type { Credentials } from './credentials.js';
import type { ImageReference } from './reference.js';
import type { RegistryClient } from './registry-client.js';

export type CacheMode = 'gha' | 'registry' | 'none';
export type BuilderName = 'buildx' | 'buildah';

/** One image build, fully parsed and checked at the action's edge. */
export interface BuildSpec {
  /** Build context folder (absolute). */
  context: string;
  /** Dockerfile (absolute). */
  file: string;
  target?: string;
  /** The repository the tags belong to. */
  image: ImageReference;
  /** Tag names, the first being the one pushed by the builder (the others follow registry-side or by the builder). */
  tags: string[];
  /** `os/arch[/variant]`; empty means the runner's own platform. */
  platforms: string[];
  push: boolean;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  cache: CacheMode;
}

/** What a builder needs besides the spec: the registry (for logins and tags) and explicit credentials. */
export interface BuildEnvironment {
  registry: RegistryClient;
  credentials?: Credentials;
  /** Plain HTTP to the registry (loopback registries). */
  plainHttp: boolean;
  /** A scratch folder for metadata, digest and auth files. */
  workDir: string;
  warn: (message: string) => void;
  /**
   * The credentials came from the action's inputs, not from a login the workflow made: a `docker login` with
   * them is undone after the build (as docker/login-action does), so they do not outlive the job on the runner.
   */
  logoutAfter?: boolean;
}

export interface BuildResult {
  /** The pushed manifest's digest, as the builder reported it; undefined when nothing was pushed. */
  digest?: string;
}

export interface ImageBuilder {
  readonly name: BuilderName;
  build(spec: BuildSpec, env: BuildEnvironment): Promise<BuildResult>;
}
