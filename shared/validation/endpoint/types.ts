/** One answer from the model endpoint. */
export interface Completion {
  output: string;
  latencyMs: number;
}

export interface Prompt {
  input: string;
  vars: Record<string, unknown>;
}

/** Sends one prompt to the model under test. Implementations: OpenAI-compatible chat, generic JSON HTTP. */
export interface EndpointClient {
  complete(prompt: Prompt): Promise<Completion>;
  close(): Promise<void>;
}

/** The endpoint failed to answer one prompt (after its retries): unreachable, 5xx, timeout, HTML... */
export class EndpointError extends Error {
  override name = 'EndpointError';
}
