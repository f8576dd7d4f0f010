import { maskSecret } from '../action/secrets.js';
import { HttpClient, HttpFailure } from '../http/client.js';

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

/**
 * Posts a message to a Slack-compatible webhook (the URL is a secret: masked, never logged) through the
 * project's HTTP client (proxy settings, Retry-After): 5xx, 429 and network errors are retried twice.
 * Never throws: a notification failure must not turn a successful rollback into a failed step, so the
 * caller reports it as a warning.
 */
export async function postWebhook(url: string, message: WebhookMessage, timeoutMs = 10_000): Promise<WebhookResult> {
  maskSecret(url);
  const http = new HttpClient({ timeoutMs, retries: 2, backoffMs: 250 });
  try {
    const r = await http.text({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) }, 4096);
    if (r.status >= 200 && r.status < 300) return { ok: true, status: r.status };
    return { ok: false, status: r.status, error: `the webhook answered HTTP ${r.status}` };
  } catch (error) {
    if (!(error instanceof HttpFailure)) throw error;
    // The URL is the secret: the reason is told without it.
    const reason = error.message.split(url).join('the webhook');
    return { ok: false, status: error.status, error: reason };
  } finally {
    await http.close();
  }
}
