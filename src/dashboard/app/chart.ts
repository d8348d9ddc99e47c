/**
 * A small two-series line chart on a canvas (messages/s and p99 ms), redrawn once a second; each series
 * is scaled to its own maximum so both stay readable.
 */
export class FiguresChart {
  readonly #canvas: HTMLCanvasElement;
  readonly #points: number;
  readonly #rate: number[] = [];
  readonly #p99: number[] = [];

  constructor(canvas: HTMLCanvasElement, points = 60) {
    this.#canvas = canvas;
    this.#points = points;
  }

  push(rate: number, p99: number | null): void {
    this.#rate.push(rate);
    this.#p99.push(p99 ?? 0);
    if (this.#rate.length > this.#points) {
      this.#rate.shift();
      this.#p99.shift();
    }
    this.#draw();
  }

  #draw(): void {
    const c = this.#canvas;
    const ctx = c.getContext("2d");
    if (ctx === null) return;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = c.clientWidth || c.width;
    const hgt = c.clientHeight || c.height;
    if (c.width !== Math.round(w * dpr)) c.width = Math.round(w * dpr);
    if (c.height !== Math.round(hgt * dpr)) c.height = Math.round(hgt * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    this.#line(ctx, this.#rate, w, hgt, "#4cc3ff");
    this.#line(ctx, this.#p99, w, hgt, "#ff8c1a");
  }

  #line(ctx: CanvasRenderingContext2D, values: number[], w: number, hgt: number, colour: string): void {
    if (values.length < 2) return;
    const max = Math.max(1, ...values);
    const step = w / (this.#points - 1);
    const x0 = w - (values.length - 1) * step;
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = x0 + i * step;
      const y = hgt - 2 - (v / max) * (hgt - 4);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
}
