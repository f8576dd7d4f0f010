import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { describeKubernetesFailure, isConflict, isNotFound } from './errors.js';
import { DEFAULT_RETRY, retryTransient, updateWithConflictRetry, type RetryPolicy } from './retry.js';

/** Names one object: its type and where it lives. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

export type KubeObject = KubernetesObject & { spec?: any; status?: any; [key: string]: any };

const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_PATCH = 'application/strategic-merge-patch+json';

const header = (ref: ObjectRef) => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
const describe = (ref: ObjectRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;

/** The ref of an object read from the cluster. */
export function refOf(obj: KubernetesObject): ObjectRef {
  return { apiVersion: obj.apiVersion!, kind: obj.kind!, name: obj.metadata!.name!, namespace: obj.metadata!.namespace! };
}

/**
 * The cluster as the suite uses it: any object by apiVersion/kind (built-in or custom), every call
 * retried on transient failures (5xx, 429, network, timeouts) with bounded backoff, updates retried
 * on 409 with a fresh read. Built once per action by `connectCluster` and passed in.
 */
export class Cluster {
  constructor(
    private readonly api: KubernetesObjectApi,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
    /** The API server's URL (from the kubeconfig), named when it cannot be reached. */
    readonly server?: string,
  ) {}

  /** Every call goes through here: one retry classification (failure.ts), one-line errors. */
  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return retryTransient(operation, fn, this.policy, (error, tries) => describeKubernetesFailure(error, operation, this.server, tries));
  }

  get<T extends KubernetesObject = KubeObject>(ref: ObjectRef): Promise<T> {
    return this.call(`GET ${describe(ref)}`, () => this.api.read<T>(header(ref) as never));
  }

  /** The object, or undefined when it does not exist. */
  async find<T extends KubernetesObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  list<T extends KubernetesObject = KubeObject>(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<T[]> {
    return this.call(
      `LIST ${kind} in ${namespace || 'all namespaces'}`,
      async () => (await this.api.list<T>(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector)).items,
    );
  }

  create<T extends KubernetesObject>(obj: T): Promise<T> {
    return this.call(`CREATE ${describe(refOf(obj))}`, () => this.api.create<T>(obj));
  }

  /**
   * Replaces the object; fails with 409 when its `resourceVersion` is no longer current (check-and-set).
   * `dryRun`: nothing is stored; resolves what the server would store (its defaults applied, its schema checked).
   */
  replace<T extends KubernetesObject>(obj: T, o: { dryRun?: boolean } = {}): Promise<T> {
    return this.call(`UPDATE ${describe(refOf(obj))}${o.dryRun ? ' (dry run)' : ''}`, () => this.api.replace<T>(obj, undefined, o.dryRun ? 'All' : undefined));
  }

  /**
   * A JSON merge patch (null deletes a key). It carries no precondition, so a 409 (the server lost a race
   * on its side) is met by sending the same patch again, a few times.
   */
  async mergePatch<T extends KubernetesObject = KubeObject>(ref: ObjectRef, patch: object): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.patch<T>(ref, patch, MERGE_PATCH);
      } catch (error) {
        if (!isConflict(error) || (patch as KubeObject).metadata?.resourceVersion || attempt >= 5) throw error;
      }
    }
  }

  /** A strategic merge patch (built-in kinds: lists such as containers and env merge by name). */
  strategicPatch<T extends KubernetesObject = KubeObject>(ref: ObjectRef, patch: object): Promise<T> {
    return this.patch<T>(ref, patch, STRATEGIC_PATCH);
  }

  private patch<T extends KubernetesObject>(ref: ObjectRef, patch: object, type: string): Promise<T> {
    const body = { ...patch, ...header(ref), metadata: { ...(patch as KubeObject).metadata, ...header(ref).metadata } } as unknown as T;
    return this.call(`PATCH ${describe(ref)}`, () => this.api.patch<T>(body, undefined, undefined, undefined, undefined, type as never));
  }

  /**
   * Check-and-set on a user's object without writing it back whole (a typed read-then-replace would
   * drop fields this client does not know, and could roll a Deployment out): `decide` looks at the
   * object and returns a patch, or undefined to leave it; the patch carries the `resourceVersion` read,
   * so the API server refuses it with 409 if the object changed meanwhile, and we decide again.
   */
  async checkAndSet<T extends KubernetesObject = KubeObject>(
    ref: ObjectRef,
    decide: (obj: T) => object | undefined,
    strategy: 'merge' | 'strategic' = 'merge',
  ): Promise<T> {
    return updateWithConflictRetry(
      () => this.get<T>(ref),
      (obj) => {
        const patch = decide(obj) as KubeObject | undefined;
        return patch && ({ ...patch, metadata: { ...patch.metadata, resourceVersion: obj.metadata!.resourceVersion } } as unknown as T);
      },
      (patch) => this.patch<T>(ref, patch, strategy === 'merge' ? MERGE_PATCH : STRATEGIC_PATCH),
    );
  }

  /** Deletes the object (its dependents in the background); false when it was already gone. */
  async remove(ref: ObjectRef): Promise<boolean> {
    try {
      await this.call(`DELETE ${describe(ref)}`, () => this.api.delete(header(ref), undefined, undefined, undefined, undefined, 'Background'));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Read, change, replace; on 409 reads again and re-applies `change`. `change` edits the object in
   * place and returns false when it already is as wanted, in which case nothing is written.
   * For custom resources (read as plain JSON) and the suite's own objects; use `checkAndSet` for a
   * user's built-in objects.
   */
  update<T extends KubernetesObject = KubeObject>(ref: ObjectRef, change: (obj: T) => boolean): Promise<T> {
    return updateWithConflictRetry(
      () => this.get<T>(ref),
      (obj) => (change(obj) ? obj : undefined),
      (obj) => this.replace(obj),
    );
  }

  /** Creates the object, or brings an existing one to `desired` through `change` (409-safe). */
  async upsert<T extends KubernetesObject>(desired: T, change: (existing: T) => boolean): Promise<T> {
    const ref = refOf(desired);
    const existing = await this.find<T>(ref);
    if (!existing) {
      try {
        return await this.create(desired);
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
      }
    }
    return this.update<T>(ref, change);
  }
}
