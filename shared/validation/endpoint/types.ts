/** Tokens an answer used, as the endpoint reported them (`usage`) or as counted from a stream. */
export interface TokenUsage {
  input: number;
  output: number;
}

/** One answer from the model endpoint. */
export interface Completion {
  output: string;
  latencyMs: number;
  /** Streamed answers: time from sending the request to the first piece of content. */
  ttftMs?: number;
  /** Streamed answers: output tokens per second after the first one arrived. */
  tokensPerSecond?: number;
  usage?: TokenUsage;
}

export interface Prompt {
  input: string;
  vars: Record<string, unknown>;
}

/** Sends one prompt to the model under test. Implementations: OpenAI-compatible chat (whole or streamed), generic JSON HTTP. */
export interface EndpointClient {
  complete(prompt: Prompt): Promise<Completion>;
  close(): Promise<void>;
}

/** The endpoint failed to answer one prompt (after its retries): unreachable, 5xx, timeout, HTML, a broken stream... */
export class EndpointError extends Error {
  override name = 'EndpointError';
}
