// What keeps a leaked promise alive: the shortest chain of references from a GC root to
// it, read from a heap snapshot of this process and told in the user's terms
// ("variable `bus` in src/bus.js → EventEmitter → _events.ready → …"). The snapshot costs
// about a second per 100 MB of heap, so it is taken once per file, only when the file has
// promise leaks, and only with the `retainers` option.
import { Session } from 'node:inspector';
import * as path from 'node:path';
import { isUserFile } from '../track/stack';

/** Snapshot metadata and flat arrays, as V8 writes them. */
interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
      readonly edge_fields: readonly string[];
      readonly edge_types: readonly [readonly string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly edges: readonly number[];
  readonly strings: readonly string[];
}

/** A reference on the path: the holder, how it holds, and the held. */
interface Step {
  readonly from: number;
  readonly edge: number;
  readonly to: number;
}

/** A heap snapshot as a graph: node and edge accessors over V8's flat arrays. */
class HeapGraph {
  private readonly nodeFields: number;
  private readonly edgeFields: number;
  private readonly nodeTypes: readonly string[];
  private readonly edgeTypes: readonly string[];
  private readonly firstEdge: Uint32Array;
  private readonly offsets: { type: number; name: number; id: number; edgeCount: number; edgeType: number; edgeName: number; edgeTo: number };
  readonly count: number;

  constructor(private readonly data: Snapshot) {
    const meta = data.snapshot.meta;
    this.nodeFields = meta.node_fields.length;
    this.edgeFields = meta.edge_fields.length;
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    this.offsets = {
      type: meta.node_fields.indexOf('type'),
      name: meta.node_fields.indexOf('name'),
      id: meta.node_fields.indexOf('id'),
      edgeCount: meta.node_fields.indexOf('edge_count'),
      edgeType: meta.edge_fields.indexOf('type'),
      edgeName: meta.edge_fields.indexOf('name_or_index'),
      edgeTo: meta.edge_fields.indexOf('to_node'),
    };
    this.count = data.nodes.length / this.nodeFields;
    this.firstEdge = new Uint32Array(this.count + 1);
    for (let node = 0, edge = 0; node < this.count; node++) {
      this.firstEdge[node] = edge;
      edge += data.nodes[node * this.nodeFields + this.offsets.edgeCount] * this.edgeFields;
    }
    this.firstEdge[this.count] = data.edges.length;
  }

  nodeType(node: number): string {
    return this.nodeTypes[this.data.nodes[node * this.nodeFields + this.offsets.type]] ?? '';
  }
  nodeName(node: number): string {
    return this.data.strings[this.data.nodes[node * this.nodeFields + this.offsets.name]] ?? '';
  }
  nodeId(node: number): number {
    return this.data.nodes[node * this.nodeFields + this.offsets.id];
  }
  /** The edges of a node, as offsets into the edge array. */
  *edgesOf(node: number): Generator<number> {
    for (let edge = this.firstEdge[node]; edge < this.firstEdge[node + 1]; edge += this.edgeFields) yield edge;
  }
  edgeType(edge: number): string {
    return this.edgeTypes[this.data.edges[edge + this.offsets.edgeType]] ?? '';
  }
  /** A property or variable name; the index for elements and hidden edges. */
  edgeName(edge: number): string {
    const value = this.data.edges[edge + this.offsets.edgeName];
    const type = this.edgeType(edge);
    return type === 'element' || type === 'hidden' ? String(value) : (this.data.strings[value] ?? '');
  }
  edgeTo(edge: number): number {
    return this.data.edges[edge + this.offsets.edgeTo] / this.nodeFields;
  }
  /** The node an edge of `node` named `name` leads to. */
  child(node: number, name: string): number | undefined {
    for (const edge of this.edgesOf(node)) if (this.edgeName(edge) === name) return this.edgeTo(edge);
    return undefined;
  }

  /**
   * Shortest strong paths from the snapshot's root to each target (breadth first). Weak
   * references do not keep anything alive, and V8's list of objects a WeakRef was read
   * in the current job is the detector's own doing.
   */
  pathsTo(targets: ReadonlySet<number>): Map<number, Step[]> {
    const via = new Int32Array(this.count).fill(-1);
    const from = new Int32Array(this.count).fill(-1);
    const queue = new Uint32Array(this.count);
    let head = 0;
    let tail = 0;
    queue[tail++] = 0;
    from[0] = 0;
    let left = targets.size;
    while (head < tail && left > 0) {
      const node = queue[head++];
      if (targets.has(node)) left--;
      for (const edge of this.edgesOf(node)) {
        const type = this.edgeType(edge);
        if (type === 'weak' || type === 'shortcut') continue;
        if (type === 'internal' && this.edgeName(edge) === 'weak_refs_keep_during_job') continue;
        const to = this.edgeTo(edge);
        if (from[to] !== -1) continue;
        from[to] = node;
        via[to] = edge;
        queue[tail++] = to;
      }
    }
    const paths = new Map<number, Step[]>();
    for (const target of targets) {
      if (from[target] === -1) continue;
      const steps: Step[] = [];
      for (let node = target; node !== 0; node = from[node]) steps.unshift({ from: from[node], edge: via[node], to: node });
      paths.set(target, steps);
    }
    return paths;
  }
}

/** A synchronous request on an inspector session of this thread (the callback runs before post returns). */
function post<T>(session: Session, method: string, params?: object): T {
  let result: T | undefined;
  let failure: unknown;
  session.post(method, params, (error, value) => {
    failure = error ?? undefined;
    result = value as T;
  });
  if (failure !== undefined) throw failure;
  return result as T;
}

/** Where a function was written: the path its script was loaded from. */
function scriptOf(graph: HeapGraph, closure: number): string | undefined {
  const shared = graph.child(closure, 'shared');
  const script = shared === undefined ? undefined : (graph.child(shared, 'script_or_debug_info') ?? graph.child(shared, 'script'));
  return script === undefined ? undefined : graph.nodeName(script);
}

/** A function's name, if it has one worth showing (bound functions are `native_bind`). */
function functionName(graph: HeapGraph, node: number): string | undefined {
  const name = graph.nodeName(node);
  return graph.nodeType(node) === 'closure' && name !== '' && name !== 'native_bind' ? name : undefined;
}

/** An object's class, when it says more than "an object". */
function className(graph: HeapGraph, node: number): string | undefined {
  const name = graph.nodeName(node);
  return graph.nodeType(node) === 'object' && name !== 'Object' && !name.startsWith('system /') ? name : undefined;
}

const propertyAccess = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`);

/**
 * The path told from its first user anchor — a variable of a function written in the
 * user's own code (module scope or a test's closure) — to the target: named references
 * (variables, properties, elements, named functions) are kept, V8's own links (contexts,
 * promise reactions, hidden fields) are dropped. E.g.
 * "src/bus.js: `bus` (EventEmitter)._events.ready → onReady() → `resolve` → this promise".
 */
function render(graph: HeapGraph, steps: readonly Step[], rootDir: string): string | undefined {
  const anchor = steps.findIndex((step, i) => {
    if (graph.edgeType(step.edge) !== 'context' || i === 0 || graph.nodeType(steps[i - 1].from) !== 'closure') return false;
    const file = scriptOf(graph, steps[i - 1].from);
    return file !== undefined && isUserFile(file);
  });
  if (anchor === -1) return undefined;
  const file = scriptOf(graph, steps[anchor - 1].from) ?? '';
  const first = steps[anchor];
  const type = className(graph, first.to);
  const segments: string[] = [];
  let current = `${path.relative(rootDir, file)}: \`${graph.edgeName(first.edge)}\`${type === undefined ? '' : ` (${type})`}`;
  for (const step of steps.slice(anchor + 1)) {
    const edge = graph.edgeType(step.edge);
    const fn = functionName(graph, step.to);
    if (edge === 'property') current += propertyAccess(graph.edgeName(step.edge));
    else if (edge === 'element') current += `[${graph.edgeName(step.edge)}]`;
    else if (edge === 'context') {
      segments.push(current);
      current = `\`${graph.edgeName(step.edge)}\``;
      continue;
    }
    if (fn !== undefined) {
      segments.push(current);
      current = `${fn}()`;
    }
  }
  segments.push(current, 'this promise');
  return segments.join(' → ');
}

/** What keeps one target alive. */
export interface Retainer {
  /** The path from its last anchor in the user's terms, e.g. "variable `bus` in src/bus.js → EventEmitter._events.ready → …". */
  readonly path: string;
  /** References from a GC root: of several promises of one chain, the nearest says most. */
  readonly depth: number;
}

/**
 * The retainer path of each target still alive, keyed by target. Targets are held weakly
 * (the caller's records): holding them here would put the detector on their path.
 */
export function retainerPaths<T>(targets: readonly T[], objectOf: (target: T) => object | undefined, rootDir: string): Map<T, Retainer> {
  const result = new Map<T, Retainer>();
  if (targets.length === 0) return result;
  const session = new Session();
  session.connect();
  const chunks: string[] = [];
  const onChunk = (message: { params: { chunk: string } }): void => void chunks.push(message.params.chunk);
  try {
    // A snapshot names each function's position in its script. V8 indexes a script's lines
    // only when asked outside a snapshot; without the index it scans the source from the
    // start for every function: with the TypeScript compiler loaded (one 9 MB script, as in
    // every ts-jest worker) the snapshot took 31 s instead of 0.6 s. Enabling the debugger
    // indexes every script's lines (about 0.1 s).
    post(session, 'Debugger.enable');
    post(session, 'Debugger.disable');
    post(session, 'HeapProfiler.enable');
    session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    // Snapshot ids are assigned while the snapshot is taken: only now can a target be
    // named to the profiler (through a global, the only handle the inspector takes).
    const ids = new Map<number, T>();
    const holder = globalThis as { __leakcheckRetained?: object };
    for (const ref of targets) {
      const target = objectOf(ref);
      if (target === undefined) continue;
      holder.__leakcheckRetained = target;
      try {
        const { result: remote } = post<{ result: { objectId?: string } }>(session, 'Runtime.evaluate', {
          expression: 'globalThis.__leakcheckRetained',
          objectGroup: 'leakcheck',
        });
        if (remote.objectId === undefined) continue;
        const { heapSnapshotObjectId } = post<{ heapSnapshotObjectId: string }>(session, 'HeapProfiler.getHeapObjectId', { objectId: remote.objectId });
        ids.set(Number(heapSnapshotObjectId), ref);
      } finally {
        delete holder.__leakcheckRetained;
      }
    }
    post(session, 'Runtime.releaseObjectGroup', { objectGroup: 'leakcheck' });
    const graph = new HeapGraph(JSON.parse(chunks.join('')) as Snapshot);
    chunks.length = 0;
    const nodes = new Map<number, T>();
    for (let node = 0; node < graph.count && nodes.size < ids.size; node++) {
      const ref = ids.get(graph.nodeId(node));
      if (ref !== undefined) nodes.set(node, ref);
    }
    for (const [node, steps] of graph.pathsTo(new Set(nodes.keys()))) {
      const text = render(graph, steps, rootDir);
      const ref = nodes.get(node);
      if (text !== undefined && ref !== undefined) result.set(ref, { path: text, depth: steps.length });
    }
    return result;
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    session.disconnect();
  }
}

/** Of a chain's promises, the path of the one nearest a root: the others hang off it. */
export function nearest(retainers: ReadonlyArray<Retainer | undefined>): string | undefined {
  let best: Retainer | undefined;
  for (const retainer of retainers) if (retainer !== undefined && (best === undefined || retainer.depth < best.depth)) best = retainer;
  return best?.path;
}
