import type { SnapshotFrom } from 'xstate';
import { type WorkerEvent, type WorkerMachine, workerMachine } from './machine.js';

/**
 * The worker machine with its load events memoised.
 *
 * A pool sends TASK_STARTED and TASK_FINISHED for every task that does not hand its slot straight
 * to the next one. Through XState's transition algorithm each costs about 10 µs and a fresh
 * snapshot (its context, its tags set), which made a fleet of 1,000 idle workers twenty times
 * slower than p-queue. These events carry no payload, and a worker only ever visits a handful of
 * (state, context) pairs, so each distinct transition is worked out once by the machine itself
 * and then replayed: the snapshots of one worker form a small graph whose edges are the load
 * events (and SET_CAPACITY, keyed by its capacity), and equal states share one snapshot object.
 *
 * The actor's snapshot stays the only copy of the worker's state and in-flight count; only the
 * work of computing the next one is saved. Everything else (RATE_LIMITED, CONNECTION_*, FATAL,
 * the delayed `after` event that ends a backoff, `xstate.stop`) goes to the machine untouched, and
 * so does a memoised event whose transition ran any action with an effect (a delayed event
 * scheduled or cancelled, a child spawned or stopped, an event emitted): only transitions that
 * are pure functions of (state, context, event) are replayed. The one visible difference is for
 * inspectors: a replayed transition sends no `@xstate.microstep` inspection event.
 *
 * The object is a `WorkerMachine` (it inherits from `workerMachine` and only overrides
 * `transition`), so `createActor(memoizedWorkerLogic, { input, clock })` gives the same
 * `Actor<WorkerMachine>` type, the same initial snapshot, the same timers on the injected clock,
 * and `stop()`, `getPersistedSnapshot()` and `xstate/graph` work as they do with the machine.
 */
export interface MemoizedWorkerLogicOptions {
  /**
   * Distinct snapshots remembered per worker. A worker of capacity c at rest needs c + 1 (one
   * per in-flight count); every backoff adds a few more (its deadline is in the context). When
   * the table is full it is cleared and refilled from the states actually in use.
   */
  readonly maxStatesPerWorker?: number;
}

type Snapshot = SnapshotFrom<WorkerMachine>;
type Scope = Parameters<WorkerMachine['transition']>[2];
type MemoizedEvent = Extract<WorkerEvent, { type: 'TASK_STARTED' | 'TASK_FINISHED' | 'SET_CAPACITY' }>;

/** One canonical snapshot of one worker, and where each memoised event takes it. */
interface Node {
  readonly snap: Snapshot;
  readonly table: Table;
  /** The table generation this node belongs to; a node from an older one is ignored. */
  readonly gen: number;
  started: Node | undefined;
  finished: Node | undefined;
  capacity: Map<number, Node> | undefined;
}

/** The canonical snapshots of one worker, by state value and context. */
interface Table {
  gen: number;
  readonly nodes: Map<string, Node>;
}

/** Capacities remembered per snapshot: SET_CAPACITY is rare, and its payload could be anything. */
const MAX_CAPACITY_EDGES = 8;

export function createMemoizedWorkerLogic(options: MemoizedWorkerLogicOptions = {}): WorkerMachine {
  const machine = workerMachine;
  const maxStates = Math.max(2, options.maxStatesPerWorker ?? 64);
  // Snapshot → its node, whichever actor holds it. Weak, so a snapshot no actor holds any more
  // takes its node (and the edges from it) with it.
  const nodeOf = new WeakMap<Snapshot, Node>();
  const tables = new WeakMap<object, Table>();

  function transition(snapshot: Snapshot, event: WorkerEvent, scope: Scope): Snapshot {
    if (event.type !== 'TASK_STARTED' && event.type !== 'TASK_FINISHED' && event.type !== 'SET_CAPACITY') {
      return machine.transition(snapshot, event, scope);
    }
    const node = nodeOf.get(snapshot);
    if (node !== undefined && node.gen === node.table.gen) {
      const next = edge(node, event);
      if (next !== undefined && next.gen === node.gen) return next.snap;
    }
    return miss(node, snapshot, event, scope);
  }

  /** Work the transition out with the machine, and remember it if it was pure. */
  function miss(node: Node | undefined, snapshot: Snapshot, event: MemoizedEvent, scope: Scope): Snapshot {
    let effects = false;
    const noting =
      <A extends unknown[]>(effect: (...args: A) => void) =>
      (...args: A): void => {
        effects = true;
        effect(...args);
      };
    const watched: Scope = {
      ...scope,
      defer: noting(scope.defer),
      emit: noting(scope.emit),
      stopChild: noting(scope.stopChild),
      actionExecutor: noting(scope.actionExecutor),
    };
    const next = machine.transition(snapshot, event, watched);
    if (effects) return next;
    const table = node !== undefined && node.gen === node.table.gen ? node.table : tableOf(scope.self);
    const from = node !== undefined && node.gen === table.gen ? node : canonical(table, snapshot);
    if (from === undefined) return next;
    const to = canonical(table, next);
    if (to === undefined) return next;
    // Filling the table for `to` may have cleared it, leaving `from` behind.
    if (from.gen === table.gen) link(from, event, to);
    return to.snap;
  }

  function tableOf(self: object): Table {
    let table = tables.get(self);
    if (table === undefined) {
      table = { gen: 0, nodes: new Map() };
      tables.set(self, table);
    }
    return table;
  }

  /** The node for a snapshot equal to this one, made from it if there is none; undefined if it cannot be keyed. */
  function canonical(table: Table, snap: Snapshot): Node | undefined {
    const key = keyOf(snap);
    if (key === undefined) return undefined;
    let node = table.nodes.get(key);
    if (node === undefined) {
      if (table.nodes.size >= maxStates) {
        table.nodes.clear();
        table.gen++;
      }
      node = { snap, table, gen: table.gen, started: undefined, finished: undefined, capacity: undefined };
      table.nodes.set(key, node);
    }
    nodeOf.set(snap, node);
    return node;
  }

  const logic = Object.create(machine) as WorkerMachine;
  logic.transition = transition as WorkerMachine['transition'];
  sizes.set(logic, (actor) => {
    const table = tables.get(actor);
    return table === undefined ? 0 : table.nodes.size;
  });
  return logic;
}

const sizes = new WeakMap<WorkerMachine, (actor: object) => number>();

/** How many snapshots `logic` remembers for `actor`: for tests of the bound. */
export function rememberedStates(logic: WorkerMachine, actor: object): number {
  return sizes.get(logic)?.(actor) ?? 0;
}

function edge(node: Node, event: MemoizedEvent): Node | undefined {
  if (event.type === 'TASK_STARTED') return node.started;
  if (event.type === 'TASK_FINISHED') return node.finished;
  return node.capacity?.get(event.capacity);
}

function link(from: Node, event: MemoizedEvent, to: Node): void {
  if (event.type === 'TASK_STARTED') from.started = to;
  else if (event.type === 'TASK_FINISHED') from.finished = to;
  else {
    from.capacity ??= new Map();
    if (from.capacity.size >= MAX_CAPACITY_EDGES) from.capacity.clear();
    from.capacity.set(event.capacity, to);
  }
}

/**
 * What makes two snapshots interchangeable: the state value and every context field. Only a
 * snapshot that is active, has no children and no history, and whose context is flat primitives
 * is keyed; anything else is never shared.
 */
function keyOf(snap: Snapshot): string | undefined {
  if (snap.status !== 'active') return undefined;
  for (const _ in snap.children) return undefined;
  for (const _ in snap.historyValue) return undefined;
  let key = typeof snap.value === 'string' ? snap.value : JSON.stringify(snap.value);
  const context = snap.context as unknown as Record<string, unknown>;
  for (const field in context) {
    const v = context[field];
    const t = typeof v;
    if (t !== 'number' && t !== 'string' && t !== 'boolean' && v !== undefined) return undefined;
    // The type's initial keeps 1 and '1' apart.
    key += `\u0000${field}\u0000${t[0]}${String(v)}`;
  }
  return key;
}

/** The shared instance: its tables are per actor, so every pool can use it. */
export const memoizedWorkerLogic: WorkerMachine = createMemoizedWorkerLogic();
