// A load-generator process of bench/tips.mjs: its share of tippers tip concurrently, each one
// tip after another; reports per-tip latency to the parent.
import { randomUUID } from 'node:crypto';

process.once('message', async ({ url, streamId, tokens, tipsEach, amount }) => {
  const latencies = [];
  let ok = 0;
  let failed = 0;
  const query = 'mutation($i: SendTipInput!) { sendTip(input: $i) { id } }';
  await Promise.all(
    tokens.map(async (token) => {
      for (let i = 0; i < tipsEach; i++) {
        const started = performance.now();
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            query,
            variables: { i: { streamId, amountCents: amount, idempotencyKey: randomUUID() } },
          }),
        });
        const body = await response.json();
        latencies.push(performance.now() - started);
        if (body.data?.sendTip) ok++;
        else failed++;
      }
    }),
  );
  process.send({ latencies, ok, failed }, () => process.exit(0));
});
