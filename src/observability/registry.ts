/**
 * A small Prometheus registry: counters, gauges and histograms with label children, rendered in the
 * text exposition format 0.0.4. Hand-written rather than prom-client: prom-client pulls in Node's
 * cluster/perf_hooks machinery, and the hot path here needs only a Map lookup and an add per update.
 */

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Kind = "counter" | "gauge" | "histogram";

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly kind: Kind;
  render(out: string[]): void;
}

/** Label values are escaped as the format asks: backslash, double quote and newline. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "+Inf";
  if (n === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(n);
}

function labelText(names: readonly string[], values: readonly string[], extra = ""): string {
  if (names.length === 0) return extra === "" ? "" : `{${extra}}`;
  let s = "";
  for (let i = 0; i < names.length; i++) {
    if (i > 0) s += ",";
    s += `${names[i]}="${escapeLabel(values[i] ?? "")}"`;
  }
  return extra === "" ? `{${s}}` : `{${s},${extra}}`;
}

type Entry<C> = { values: readonly string[]; child: C };
/** One level per label: a lookup hashes the label values themselves, never a joined key string. */
type Level<C> = Map<string, Level<C> | Entry<C>>;

/** Children keyed by their label values; an unlabelled metric has one child under the empty path. */
abstract class Family<C> implements Metric {
  abstract readonly kind: Kind;
  #root: Level<C> = new Map();
  #entries: Entry<C>[] = [];
  #unlabelled: Entry<C> | undefined;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME_RE.test(name)) throw new RangeError(`bad metric name ${name}`);
    for (const l of labelNames) {
      if (!LABEL_RE.test(l) || l.startsWith("__") || l === "le") throw new RangeError(`bad label name ${l}`);
    }
  }

  protected abstract create(): C;

  /** The child for these label values (created on first use, then reused: hold on to it when hot). */
  labels(...values: string[]): C {
    const n = this.labelNames.length;
    if (values.length !== n) {
      throw new RangeError(`${this.name} takes ${n} label values, got ${values.length}`);
    }
    if (n === 0) {
      this.#unlabelled ??= this.#add(values);
      return this.#unlabelled.child;
    }
    let level = this.#root;
    for (let i = 0; i < n - 1; i++) {
      let next = level.get(values[i]!) as Level<C> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(values[i]!, next);
      }
      level = next;
    }
    let entry = level.get(values[n - 1]!) as Entry<C> | undefined;
    if (entry === undefined) {
      entry = this.#add(values);
      level.set(values[n - 1]!, entry);
    }
    return entry.child;
  }

  #add(values: readonly string[]): Entry<C> {
    const entry = { values, child: this.create() };
    this.#entries.push(entry);
    return entry;
  }

  /** Drops every child: gauges recomputed at each scrape start from a clean slate. */
  reset(): void {
    this.#root = new Map();
    this.#entries = [];
    this.#unlabelled = undefined;
  }

  protected children(): Iterable<Entry<C>> {
    return this.#entries;
  }

  render(out: string[]): void {
    // An unlabelled series exists from the start at 0: `rate()` and `increase()` cannot see a first
    // increment into a series that appears with it (a first 5xx, a first recovery drop).
    if (this.labelNames.length === 0) this.labels();
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.kind}`);
    for (const { values, child } of this.children()) this.renderChild(out, values, child);
  }

  protected abstract renderChild(out: string[], values: readonly string[], child: C): void;
}

export class CounterChild {
  value = 0;
  inc(n = 1): void {
    if (n < 0) throw new RangeError("a counter only goes up");
    this.value += n;
  }
}

export class Counter extends Family<CounterChild> {
  readonly kind = "counter";
  protected create(): CounterChild {
    return new CounterChild();
  }
  inc(n = 1): void {
    this.labels().inc(n);
  }
  get value(): number {
    return this.labels().value;
  }
  /** Sum over all children (for alert rules that look at a whole family). */
  total(): number {
    let t = 0;
    for (const { child } of this.children()) t += child.value;
    return t;
  }
  protected renderChild(out: string[], values: readonly string[], c: CounterChild): void {
    out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(c.value)}`);
  }
}

export class GaugeChild {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
  inc(n = 1): void {
    this.value += n;
  }
  dec(n = 1): void {
    this.value -= n;
  }
}

export class Gauge extends Family<GaugeChild> {
  readonly kind = "gauge";
  protected create(): GaugeChild {
    return new GaugeChild();
  }
  set(v: number): void {
    this.labels().set(v);
  }
  inc(n = 1): void {
    this.labels().inc(n);
  }
  dec(n = 1): void {
    this.labels().dec(n);
  }
  get value(): number {
    return this.labels().value;
  }
  protected renderChild(out: string[], values: readonly string[], c: GaugeChild): void {
    out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(c.value)}`);
  }
}

export class HistogramChild {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  /** Linear scan: with ~15 buckets it beats a binary search and allocates nothing. */
  observe(v: number): void {
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += v;
    this.count++;
  }
}

export class Histogram extends Family<HistogramChild> {
  readonly kind = "histogram";
  readonly buckets: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []) {
    super(name, help, labelNames);
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) {
      throw new RangeError(`${name}: buckets must be distinct finite numbers`);
    }
    this.buckets = sorted;
  }
  protected create(): HistogramChild {
    return new HistogramChild(this.buckets);
  }
  observe(v: number): void {
    this.labels().observe(v);
  }
  /** Sum and count over all children. */
  totals(): { sum: number; count: number } {
    let sum = 0;
    let count = 0;
    for (const { child } of this.children()) {
      sum += child.sum;
      count += child.count;
    }
    return { sum, count };
  }
  protected renderChild(out: string[], values: readonly string[], c: HistogramChild): void {
    let cum = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cum += c.counts[i]!;
      const le = `le="${formatValue(this.buckets[i]!)}"`;
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, le)} ${cum}`);
    }
    out.push(`${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${c.count}`);
    out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(c.sum)}`);
    out.push(`${this.name}_count${labelText(this.labelNames, values)} ${c.count}`);
  }
}

export type Collector = () => void | Promise<void>;

/**
 * Holds the metric families of one node. Other plugins (breakers, pollers, the DLQ) register their own
 * gauges here; values that are cheaper to read than to track (connections, queue depth, memory) are
 * filled in by collectors that run just before each scrape.
 */
export class Registry {
  readonly #metrics = new Map<string, Metric>();
  readonly #collectors: Collector[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#add(new Gauge(name, help, labelNames));
  }

  histogram(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly string[] = [],
  ): Histogram {
    return this.#add(new Histogram(name, help, buckets, labelNames));
  }

  /** Runs before every exposition; a failing collector is skipped, the scrape still answers. */
  collect(fn: Collector): () => void {
    this.#collectors.push(fn);
    return () => {
      const i = this.#collectors.indexOf(fn);
      if (i >= 0) this.#collectors.splice(i, 1);
    };
  }

  get(name: string): Metric | undefined {
    return this.#metrics.get(name);
  }

  /** The text exposition, after running every collector. */
  async expose(onCollectError?: (err: unknown) => void): Promise<string> {
    for (const c of this.#collectors) {
      try {
        await c();
      } catch (err) {
        onCollectError?.(err);
      }
    }
    const out: string[] = [];
    for (const m of this.#metrics.values()) m.render(out);
    out.push("");
    return out.join("\n");
  }

  #add<M extends Metric>(m: M): M {
    if (this.#metrics.has(m.name)) throw new RangeError(`metric ${m.name} is already registered`);
    this.#metrics.set(m.name, m);
    return m;
  }
}

/** Caps the distinct values of a label (feed ids are user input): past `max`, values become `other`. */
export class BoundedLabel {
  readonly #seen = new Set<string>();
  constructor(
    readonly max: number,
    readonly overflow = "other",
  ) {}
  of(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.max) return this.overflow;
    this.#seen.add(value);
    return value;
  }
}
