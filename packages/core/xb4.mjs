import { createActor, createMachine } from 'xstate';

const S = { type: 'START' },
  F = { type: 'FINISH' };
const a = createActor(
  createMachine({ initial: 'a', states: { a: { on: { START: 'b' } }, b: { on: { FINISH: 'a' } } } }),
);
a.start();
for (let i = 0; i < 2e5; i++) {
  a.send(S);
  a.send(F);
}
const t = performance.now();
const N = 5e5;
for (let i = 0; i < N; i++) {
  a.send(S);
  a.send(F);
}
console.log('us/send', ((performance.now() - t) * 1000) / (2 * N));
