import type { SnapshotFrom } from 'xstate';
import { type WorkerEvent, type WorkerInput, type WorkerMachine, workerMachine } from './machine.js';

/**
 * The worker machine with its load events memoised.
 *
 * A pool sends TASK_STARTED and TASK_FINISHED for every task that does not hand its slot straight
 * to the next one. Through XState's transition algorithm each costs about 10 µs and a fresh
 * snapshot (its context, its tags set), which made a fleet of 1,000 idle workers twenty times
 * slower than p-queue. These events carry no payload, and workers only ever visit a handful of
 * (state, context) pairs, so each distinct transition is worked out once by the machine itself
 * and then replayed:
 *
 * - a *shape* is a state value and context without the worker's id. The id is the one context
 *   field that no guard, action or delay reads and no transition changes, so a transition worked
 *   out for one worker serves every worker in the same shape. Shapes and the load events between
 *   them are shared by every actor of this logic (a fresh fleet of 1,000 workers pays for two
 *   transitions, not 2,000);
 * - each worker has one snapshot per shape it has been in, linked by the same events, so at rest
 *   an event is one lookup and equal states share one snapshot object.
 *
 * The actor's snapshot stays the only copy of the worker's state and in-flight count; only the
 * work of computing the next one is saved. Everything else (RATE_LIMITED, CONNECTION_*, FATAL,
 * the delayed `after` event that ends a backoff, `xstate.stop`) goes to the machine untouched, and
 * so does a memoised event whose transition ran any action with an effect (a delayed event
 * scheduled or cancelled, a child spawned or stopped, an event emitted): only transitions that
 * are pure functions of (state, context, event) are replayed. The one visible difference is for
 * inspectors: a replayed transition sends no `@xstate.microstep` inspection event.
 *
 * The object is a `WorkerMachine` (it inherits from `workerMachine` and only wraps `transition`
 * and `getInitialSnapshot`, which enters the initial snapshot in the new worker's table), so `createActor(memoizedWorkerLogic, { input, clock })` gives the same
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
  /** Distinct shapes remembered for all workers together; cleared the same way when full. */
  readonly maxShapes?: number;
}

type Snapshot = SnapshotFrom<WorkerMachine>;
type Scope = Parameters<WorkerMachine['transition']>[2];
type MemoizedEvent = Extract<WorkerEvent, { type: 'TASK_STARTED' | 'TASK_FINISHED' | 'SET_CAPACITY' }>;

/** Where each memoised event leads; undefined until it has been worked out. */
interface Edges<T> {
  started: T | undefined;
  finished: T | undefined;
  capacity: Map<number, T> | undefined;
}

/** A state value and context, any worker's. */
interface Shape extends Edges<Shape> {
  readonly key: string;
  /** The first snapshot seen in this shape: the others are copies with their own id. */
  readonly template: Snapshot;
}

/** One worker's snapshot in one shape. */
interface Node extends Edges<Node> {
  readonly snap: Snapshot;
  readonly shape: Shape;
  readonly table: Table;
  /** The table generation this node belongs to; a node from an older one is no longer linked. */
  readonly gen: number;
}

/** One worker's nodes. Linear search is fine: it is only searched when a new edge is made. */
interface Table {
  gen: number;
  readonly nodes: Node[];
}

/** Capacities remembered per snapshot: SET_CAPACITY is rare, and its payload could be anything. */
const MAX_CAPACITY_EDGES = 8;

export function createMemoizedWorkerLogic(options: MemoizedWorkerLogicOptions = {}): WorkerMachine {
  const machine = workerMachine;
  const maxStates = Math.max(2, options.maxStatesPerWorker ?? 64);
  const maxShapes = Math.max(2, options.maxShapes ?? 4096);
  const shapes = new Map<string, Shape>();
  // Snapshot → its node. Weak, so a snapshot no actor holds any more takes its node with it.
  const nodeOf = new WeakMap<Snapshot, Node>();
  const tables = new WeakMap<object, Table>();

  function transition(snapshot: Snapshot, event: WorkerEvent, scope: Scope): Snapshot {
    if (event.type !== 'TASK_STARTED' && event.type !== 'TASK_FINISHED' && event.type !== 'SET_CAPACITY') {
      return machine.transition(snapshot, event, scope);
    }
    const node = nodeOf.get(snapshot);
    if (node !== undefined) {
      const next = edge(node, event);
      if (next !== undefined) return next.snap;
    }
    return miss(node, snapshot, event, scope);
  }

  /** This worker has not taken this edge yet: take the shared one, or work it out with the machine. */
  function miss(node: Node | undefined, snapshot: Snapshot, event: MemoizedEvent, scope: Scope): Snapshot {
    const table = node !== undefined && node.gen === node.table.gen ? node.table : tableOf(scope.self);
    let from = node !== undefined && node.gen === table.gen ? node : undefined;
    if (from === undefined) {
      const shape = shapeFor(snapshot);
      if (shape === undefined) return machine.transition(snapshot, event, scope);
      from = nodeIn(table, shape, snapshot, snapshot);
    }
    const fromShape = current(from.shape);
    let toShape = edge(fromShape, event);
    let next: Snapshot | undefined;
    if (toShape === undefined) {
      const worked = watchedTransition(snapshot, event, scope);
      if (!worked.pure) return worked.next;
      next = worked.next;
      toShape = shapeFor(next);
      if (toShape === undefined) return next;
      if (shapes.get(fromShape.key) === fromShape) link(fromShape, event, toShape);
    }
    const to = nodeIn(table, toShape, next ?? toShape.template, snapshot);
    // Filling the table for `to` may have cleared it, leaving `from` behind.
    if (from.gen === table.gen) link(from, event, to);
    return to.snap;
  }

  /** The machine's transition, and whether it ran no action with an effect (only then may it be replayed). */
  function watchedTransition(snapshot: Snapshot, event: MemoizedEvent, scope: Scope) {
    let pure = true;
    const noting =
      <A extends unknown[]>(effect: (...args: A) => void) =>
      (...args: A): void => {
        pure = false;
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
    return { next, pure };
  }

  function tableOf(self: object): Table {
    let table = tables.get(self);
    if (table === undefined) {
      table = { gen: 0, nodes: [] };
      tables.set(self, table);
    }
    return table;
  }

  /** The registered shape with this shape's key (the map may have been cleared since). */
  function current(shape: Shape): Shape {
    return shapes.get(shape.key) ?? register(shape.key, shape.template);
  }

  function shapeFor(snap: Snapshot): Shape | undefined {
    const key = keyOf(snap);
    if (key === undefined) return undefined;
    return shapes.get(key) ?? register(key, snap);
  }

  function register(key: string, template: Snapshot): Shape {
    if (shapes.size >= maxShapes) {
      // Cut the old shapes' edges so that one a worker still holds keeps nothing else alive.
      for (const s of shapes.values()) unlink(s);
      shapes.clear();
    }
    const shape: Shape = { key, template, started: undefined, finished: undefined, capacity: undefined };
    shapes.set(key, shape);
    return shape;
  }

  /**
   * The worker's node in `shape`, made from `snap` if it has none: `snap` is in that shape, and
   * is the worker's own or (a template) another worker's, copied with the id of `owner`.
   */
  function nodeIn(table: Table, shape: Shape, snap: Snapshot, owner: Snapshot): Node {
    for (const n of table.nodes) if (n.shape.key === shape.key) return n;
    if (table.nodes.length >= maxStates) {
      for (const n of table.nodes) unlink(n);
      table.nodes.length = 0;
      table.gen++;
    }
    const own = snap.context.id === owner.context.id ? snap : instantiate(snap, owner.context.id);
    const node: Node = {
      snap: own,
      shape,
      table,
      gen: table.gen,
      started: undefined,
      finished: undefined,
      capacity: undefined,
    };
    table.nodes.push(node);
    nodeOf.set(own, node);
    return node;
  }

  /** The machine's initial snapshot, entered in the new worker's table so that its first event is cheap. */
  function getInitialSnapshot(scope: Scope, input: WorkerInput): Snapshot {
    const snap = machine.getInitialSnapshot(scope, input);
    const shape = shapeFor(snap);
    if (shape !== undefined) nodeIn(tableOf(scope.self), shape, snap, snap);
    return snap;
  }

  const logic = Object.create(machine) as WorkerMachine;
  logic.transition = transition as WorkerMachine['transition'];
  logic.getInitialSnapshot = getInitialSnapshot as WorkerMachine['getInitialSnapshot'];
  sizes.set(logic, (actor) => ({ states: tables.get(actor)?.nodes.length ?? 0, shapes: shapes.size }));
  return logic;
}

function edge<T>(from: Edges<T>, event: MemoizedEvent): T | undefined {
  if (event.type === 'TASK_STARTED') return from.started;
  if (event.type === 'TASK_FINISHED') return from.finished;
  return from.capacity?.get(event.capacity);
}

function link<T>(from: Edges<T>, event: MemoizedEvent, to: T): void {
  if (event.type === 'TASK_STARTED') from.started = to;
  else if (event.type === 'TASK_FINISHED') from.finished = to;
  else {
    from.capacity ??= new Map();
    if (from.capacity.size >= MAX_CAPACITY_EDGES) from.capacity.clear();
    from.capacity.set(event.capacity, to);
  }
}

function unlink<T>(from: Edges<T>): void {
  from.started = undefined;
  from.finished = undefined;
  from.capacity = undefined;
}

/**
 * Another worker's snapshot in the same shape, as this worker's: the same state and context but
 * its own id, and its own `children` and `historyValue` objects so that no actors share them.
 */
function instantiate(template: Snapshot, id: string): Snapshot {
  return { ...template, context: { ...template.context, id }, children: {}, historyValue: {} } as Snapshot;
}

/**
 * What makes two snapshots of any workers interchangeable but for the id: the state value and
 * every other context field. Only a snapshot that is active, has no children and no history,
 * and whose context is flat primitives is keyed; anything else is never shared.
 */
function keyOf(snap: Snapshot): string | undefined {
  if (snap.status !== 'active' || !isEmpty(snap.children) || !isEmpty(snap.historyValue)) return undefined;
  let key = typeof snap.value === 'string' ? snap.value : JSON.stringify(snap.value);
  const context = snap.context as unknown as Record<string, unknown>;
  for (const field in context) {
    if (field === 'id') continue;
    const v = context[field];
    const t = typeof v;
    if (t !== 'number' && t !== 'string' && t !== 'boolean' && v !== undefined) return undefined;
    // The type's initial keeps 1 and '1' apart.
    key += `\u0000${field}\u0000${t[0]}${String(v)}`;
  }
  return key;
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

const sizes = new WeakMap<WorkerMachine, (actor: object) => { states: number; shapes: number }>();

/** How many snapshots `logic` remembers for `actor`, and shapes for all actors: for tests of the bounds. */
export function remembered(logic: WorkerMachine, actor: object): { states: number; shapes: number } {
  return sizes.get(logic)?.(actor) ?? { states: 0, shapes: 0 };
}

/** The shared instance: its tables are per actor, so every pool can use it. */
export const memoizedWorkerLogic: WorkerMachine = createMemoizedWorkerLogic();
