// Standard Webhooks verification for signed signal deliveries (webhook-id, webhook-timestamp,
// webhook-signature): HMAC over id, timestamp and the raw body, compared in constant time by the
// `standardwebhooks` package, which also refuses timestamps more than 5 minutes from now.
import { Webhook } from 'standardwebhooks';

export function hasStandardWebhookHeaders(headers: Headers): boolean {
  return headers.has('webhook-signature') || headers.has('webhook-id') || headers.has('webhook-timestamp');
}

export function verifyStandardWebhook(secret: string, body: Uint8Array, headers: Headers): boolean {
  try {
    new Webhook(secret).verify(
      Buffer.from(body),
      {
        'webhook-id': headers.get('webhook-id') ?? '',
        'webhook-timestamp': headers.get('webhook-timestamp') ?? '',
        'webhook-signature': headers.get('webhook-signature') ?? '',
      },
      // Parsing is ours, after verification, with our own errors.
      { jsonParse: false },
    );
    return true;
  } catch {
    return false;
  }
}
