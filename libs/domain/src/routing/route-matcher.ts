import { InvalidRoutesError, validateRoutes, type Route } from './routes';
import { HTTP_METHODS } from './http-methods';
import { parsePathPattern } from './path-pattern';
import { splitRequestPath } from './request-path';

export interface RouteMatch {
  readonly route: Route;
  /** The route's pattern as written, reported instead of the raw path. */
  readonly template: string;
  /** Captured `:name` segments, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
}

export interface RouteMatcher {
  readonly routes: readonly Route[];
  /** The most specific route for the call, or undefined when none matches (or the path is unsafe). */
  match(method: string, path: string): RouteMatch | undefined;
  /** `match` for a path already split by `splitRequestPath` (split once, matched against routes and scopes). */
  matchSegments(method: string, segments: readonly string[]): RouteMatch | undefined;
}

/** Bound on compiled states; only a table of many mutually overlapping patterns gets near it. */
export const MAX_MATCHER_STATES = 100_000;

interface Entry {
  readonly route: Route;
  readonly template: string;
  /** [segment index, parameter name] for every `:name` of the pattern. */
  readonly params: readonly (readonly [number, string])[];
  /** Exact method beats GET-for-HEAD beats `*`, among routes of the same pattern shape. */
  readonly priority: number;
}

interface TrieNode {
  readonly id: number;
  readonly statics: Map<string, TrieNode>;
  param: TrieNode | undefined;
  exact: Entry | undefined;
  wildcard: Entry | undefined;
}

/** A set of trie nodes the path read so far can be at, ordered from most to least specific. */
interface State {
  readonly next: Map<string, State>;
  other: State | undefined;
  /** Best match if the path goes on from here and nothing more specific matches it. */
  readonly wildcard: Entry | undefined;
  /** Best match if the path ends here. */
  readonly final: Entry | undefined;
}

/**
 * Compiles routes (checked with `validateRoutes`; throws {@link InvalidRoutesError}) into a matcher.
 *
 * Precedence: patterns are compared segment by segment from the left; at the first segment where they differ,
 * a static segment beats a `:param`, which beats the trailing `*`; a pattern that ends at the path's end beats a
 * `*` that would match zero segments there. Among routes with the same pattern, an exact method beats `GET`
 * (which also serves `HEAD`), which beats `*`.
 *
 * Lookup cost is one map lookup per path segment, whatever the number of routes: the trie of patterns is
 * turned into a deterministic automaton at compile time (each state is the ordered set of trie nodes the
 * prefix can be at, cut after the first node whose `*` already beats everything behind it).
 */
export function compileRoutes(routes: readonly Route[]): RouteMatcher {
  const checked = validateRoutes(routes);
  if (!checked.ok) {
    throw new InvalidRoutesError(checked.issues);
  }
  const list = checked.value;
  const byMethod = new Map<string, State | undefined>();
  for (const method of HTTP_METHODS) {
    byMethod.set(
      method,
      compileTable(list, (route) => methodPriority(route.method, method)),
    );
  }
  const anyMethod = compileTable(list, (route) => (route.method === '*' ? 1 : 0));

  const matchSegments = (method: string, segments: readonly string[]): RouteMatch | undefined => {
    let state = byMethod.has(method) ? byMethod.get(method) : anyMethod;
    let fallback: Entry | undefined;
    for (const segment of segments) {
      if (state === undefined) {
        break;
      }
      fallback = state.wildcard ?? fallback;
      state = state.next.get(segment) ?? state.other;
    }
    const entry = state?.final ?? fallback;
    return entry === undefined ? undefined : toMatch(entry, segments);
  };
  return {
    routes: list,
    match(method: string, path: string): RouteMatch | undefined {
      const split = splitRequestPath(path);
      return split.ok ? matchSegments(method, split.segments) : undefined;
    },
    matchSegments,
  };
}

function methodPriority(routeMethod: string, requestMethod: string): number {
  if (routeMethod === requestMethod) {
    return 3;
  }
  if (requestMethod === 'HEAD' && routeMethod === 'GET') {
    return 2;
  }
  return routeMethod === '*' ? 1 : 0;
}

function toMatch(entry: Entry, segments: readonly string[]): RouteMatch {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [index, name] of entry.params) {
    params[name] = segments[index];
  }
  return { route: entry.route, template: entry.template, params };
}

/** Trie and automaton of the routes with a non-zero priority for one request method. */
function compileTable(routes: readonly Route[], priorityOf: (route: Route) => number): State | undefined {
  let nextId = 0;
  const newNode = (): TrieNode => ({
    id: nextId++,
    statics: new Map(),
    param: undefined,
    exact: undefined,
    wildcard: undefined,
  });
  const root = newNode();
  let inserted = 0;
  for (const route of routes) {
    const priority = priorityOf(route);
    if (priority > 0) {
      insert(root, route, priority, newNode);
      inserted += 1;
    }
  }
  return inserted === 0 ? undefined : buildAutomaton(root);
}

function insert(root: TrieNode, route: Route, priority: number, newNode: () => TrieNode): void {
  const parsed = parsePathPattern(route.pattern);
  if (!parsed.ok) {
    throw new InvalidRoutesError([{ field: `routes(${route.id}).pattern`, reason: parsed.reason }]);
  }
  const params: (readonly [number, string])[] = [];
  let node = root;
  for (const [index, segment] of parsed.pattern.segments.entries()) {
    if (segment.kind === 'wildcard') {
      node.wildcard = better(node.wildcard, { route, template: route.pattern, params, priority });
      return;
    }
    if (segment.kind === 'param') {
      params.push([index, segment.name]);
      node.param ??= newNode();
      node = node.param;
    } else {
      let child = node.statics.get(segment.value);
      if (child === undefined) {
        child = newNode();
        node.statics.set(segment.value, child);
      }
      node = child;
    }
  }
  node.exact = better(node.exact, { route, template: route.pattern, params, priority });
}

function better(current: Entry | undefined, candidate: Entry): Entry {
  return current !== undefined && current.priority >= candidate.priority ? current : candidate;
}

function buildAutomaton(root: TrieNode): State | undefined {
  const states = new Map<string, State>();
  const pending: [State, readonly TrieNode[]][] = [];

  const stateOf = (nodes: readonly TrieNode[]): State | undefined => {
    if (nodes.length === 0) {
      return undefined;
    }
    // Whatever follows the first node with a `*` is less specific than that `*`: drop it.
    const cut = nodes.findIndex((node) => node.wildcard !== undefined);
    const kept = cut === -1 ? nodes : nodes.slice(0, cut + 1);
    const key = kept.map((node) => node.id).join(',');
    const existing = states.get(key);
    if (existing !== undefined) {
      return existing;
    }
    if (states.size >= MAX_MATCHER_STATES) {
      throw new InvalidRoutesError([
        {
          field: 'routes',
          reason: `too many overlapping patterns (over ${MAX_MATCHER_STATES} matcher states)`,
        },
      ]);
    }
    const wildcard = cut === -1 ? undefined : kept[cut].wildcard;
    const exact = kept.find((node) => node.exact !== undefined)?.exact;
    const state: State = { next: new Map(), other: undefined, wildcard, final: exact ?? wildcard };
    states.set(key, state);
    pending.push([state, kept]);
    return state;
  };

  const start = stateOf([root]);
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [state, nodes] = item;
    const literals = new Set<string>();
    for (const node of nodes) {
      for (const literal of node.statics.keys()) {
        literals.add(literal);
      }
    }
    for (const literal of literals) {
      const next = stateOf(nodes.flatMap((node) => [node.statics.get(literal), node.param].filter(isNode)));
      if (next !== undefined) {
        state.next.set(literal, next);
      }
    }
    state.other = stateOf(nodes.map((node) => node.param).filter(isNode));
  }
  return start;
}

function isNode(node: TrieNode | undefined): node is TrieNode {
  return node !== undefined;
}
