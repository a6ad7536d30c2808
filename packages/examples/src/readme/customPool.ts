// The code example in the root README, kept here so the compiler checks it.
import { createPool } from '@switchyard/core';
import { p2cPeakEwma } from '@switchyard/strategies';

class RateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super('429 Too Many Requests');
  }
}

async function search(query: string, apiKey: string, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(`https://api.example.com/search?q=${encodeURIComponent(query)}`, {
    headers: { authorization: `Bearer ${apiKey}` },
    signal,
  });
  if (res.status === 429) throw new RateLimited(Number(res.headers.get('retry-after') ?? 1) * 1000);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

// Three API keys for one service: each key is a worker, four requests at a time.
const pool = createPool<{ apiKey: string }>({
  strategy: p2cPeakEwma(), // fastest of two random keys, by peak-EWMA latency × pending work
  classify: (error) =>
    error instanceof RateLimited
      ? { kind: 'rate-limited', retryAfterMs: error.retryAfterMs }
      : { kind: 'transient' },
  retry: { retries: 3, minTimeoutMs: 200 },
});
for (const apiKey of ['key-a', 'key-b', 'key-c'])
  pool.addWorker({ id: apiKey, resource: { apiKey }, capacity: 4 });

pool.events$.subscribe((e) => {
  if (e.type === 'worker-state') console.log(`${e.worker}: ${e.from} → ${e.to} (${e.reason})`);
});

const results = await Promise.all(
  ['switchyard', 'xstate', 'rxjs'].map((q) =>
    pool.submit({ run: ({ resource, signal }) => search(q, resource.apiKey, signal) }),
  ),
);
console.log(results.length, 'answers');
await pool.close();
