/** A validation suite as written by the user, after parsing: where to send prompts and what to expect back. */

export type EndpointKind = 'openai-chat' | 'http-json';

export interface EndpointSpec {
  kind: EndpointKind;
  url: string;
  /** openai-chat: the model name sent in the request. */
  model?: string;
  /** openai-chat: an optional system message. */
  system?: string;
  /** openai-chat: sampling settings passed through (temperature, max_tokens...). */
  params?: Record<string, unknown>;
  /** http-json: the request body, with `{{input}}` and `{{vars.NAME}}` placeholders. */
  request?: unknown;
  /** http-json: JSONPath to the answer in the response (default `$.output`). */
  responsePath?: string;
  headers: Record<string, string>;
  /** openai-chat: ask for a streamed answer (Server-Sent Events) and time its first token. */
  stream?: boolean;
  /** Price per 1,000 input and output tokens, for the cost of the run. */
  price?: TokenPrice;
  timeoutMs: number;
  /** Retries of a 5xx, 429 or dropped connection (never of a timeout: a hanging endpoint stays hung). */
  retries: number;
}

export interface TokenPrice {
  input: number;
  output: number;
}

/**
 * How a case's runs decide it: `majority` (the default: most runs pass, and runs are added while the
 * confidence interval of its run pass rate still straddles one half), `all` (pass^k: every run passes) or
 * `at-least` k runs pass.
 */
export type PassRule = { kind: 'majority' } | { kind: 'all' } | { kind: 'at-least'; runs: number };

/** Suite-level settings; the action's inputs override them. */
export interface SuiteSettings {
  name?: string;
  endpoint?: Partial<EndpointSpec> & { type?: string };
  repeats?: number;
  /** The judge endpoint of `judge` assertions: `{url, model}` (the key comes from the `judge-api-key` input). */
  judge?: { url?: string; model?: string };
  /** The default pass rule of the suite's cases. */
  passRule?: PassRule;
  threshold?: number;
  /** Gates per named metric: `metrics: {safety: {threshold: 0.99}}`. */
  metrics: Record<string, { threshold?: number }>;
}

/** One assertion as written, normalised to `{type, value, ...options}`. */
export interface AssertionSpec {
  type: string;
  value?: unknown;
  metric?: string;
  [option: string]: unknown;
}

export interface RawCase {
  id: string;
  /** 1-based line of the case in the suite file, for annotations. */
  line: number;
  input: string;
  vars: Record<string, unknown>;
  repeats?: number;
  passRule?: PassRule;
  assert: AssertionSpec[];
}

export interface SuiteSource {
  /** The suite file's path as given (relative to the workspace), for annotations. */
  path: string;
  format: 'yaml' | 'jsonl';
  settings: SuiteSettings;
  /** Streams the cases in file order; may be called again for a second pass. */
  cases(): AsyncIterable<RawCase>;
  /**
   * The same cases a batch at a time (a chunk of the file), each parsed when the batch's iterator reaches it:
   * one await per batch instead of per case, for the passes that read every case.
   */
  batches(): AsyncIterable<Iterable<RawCase>>;
}
