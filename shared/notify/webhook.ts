import { maskSecret } from '../action/secrets.js';

/** A Slack-compatible incoming-webhook message (`text` is what every compatible receiver shows). */
export interface WebhookMessage {
  text: string;
  blocks?: object[];
}

export interface WebhookResult {
  ok: boolean;
  status?: number;
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Posts a message to a Slack-compatible webhook (the URL is a secret: masked, never logged).
 * Retries 5xx, 429 and network errors twice; never throws: a notification failure must not turn a
 * successful rollback into a failed step, so the caller reports it as a warning.
 */
export async function postWebhook(url: string, message: WebhookMessage, timeoutMs = 10_000): Promise<WebhookResult> {
  maskSecret(url);
  let last: WebhookResult = { ok: false };
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.text();
      if (response.ok) return { ok: true, status: response.status };
      last = { ok: false, status: response.status, error: `the webhook answered HTTP ${response.status}` };
      if (response.status < 500 && response.status !== 429) return last;
    } catch (error) {
      last = { ok: false, error: `the webhook could not be reached (${(error as Error).name === 'TimeoutError' ? 'timeout' : (error as Error).message})` };
    }
    if (attempt < 3) await sleep(250 * attempt);
  }
  return last;
}
