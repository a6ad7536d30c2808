import { createPool } from '@switchyard/core';
import { roundRobin } from '@switchyard/strategies';

const noop = () => Promise.resolve();
for (let r = 0; r < 8; r++) {
  const pool = createPool({ strategy: roundRobin() });
  for (let i = 0; i < 10; i++) pool.addWorker({ id: `w${i}`, resource: null });
  const t = performance.now();
  const all = new Array(100000);
  for (let i = 0; i < 100000; i++) all[i] = pool.submit({ run: noop });
  await Promise.all(all);
  console.log(Math.round(100000 / ((performance.now() - t) / 1000)));
  await pool.close();
}
