import { ConfigurationError } from '../errors.js';
import { optionalInput, requiredInput } from './inputs.js';
import { maskKubeconfig } from './secrets.js';

/** The inputs every Kubernetes action shares: which Deployment, where, and how to reach the cluster. */
export interface KubernetesTarget {
  /** The stable Deployment's name. */
  deployment: string;
  namespace: string;
  /** Kubeconfig contents (masked); undefined means `KUBECONFIG` or in-cluster config. */
  kubeconfig?: string;
  /** The container to change; undefined means the pod's first container. */
  container?: string;
}

// RFC 1123 DNS label (namespaces, containers) and subdomain (object names), as the API server checks them.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseObjectName(value: string, input: string, maxLength = 253): string {
  if (value.length > maxLength || !DNS_SUBDOMAIN.test(value)) {
    throw new ConfigurationError(
      `Invalid \`${input}\`: '${value}'. Expected a Kubernetes object name: lower-case letters, digits, '-' and '.', at most ${maxLength} characters, starting and ending with a letter or digit.`,
    );
  }
  return value;
}

export function parseLabelName(value: string, input: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw new ConfigurationError(
      `Invalid \`${input}\`: '${value}'. Expected a DNS label: lower-case letters, digits and '-', at most 63 characters.`,
    );
  }
  return value;
}

/** `deploymentOptional`: an empty `deployment` is read as '' (the action then means every Deployment). */
export function getKubernetesTarget(o: { deploymentOptional?: boolean } = {}): KubernetesTarget {
  const kubeconfig = optionalInput('kubeconfig');
  if (kubeconfig) maskKubeconfig(kubeconfig);
  const container = optionalInput('container');
  return {
    // Room for the `-canary` / `-baseline` suffixes the suite adds.
    deployment: o.deploymentOptional && optionalInput('deployment') === undefined ? '' : parseObjectName(requiredInput('deployment'), 'deployment', 253 - '-baseline'.length),
    namespace: parseLabelName(optionalInput('namespace') ?? 'default', 'namespace'),
    kubeconfig,
    container: container === undefined ? undefined : parseLabelName(container, 'container'),
  };
}
