import { describe, expect, test } from "bun:test";
import { TacError } from "../../src/protocol/errors.ts";
import { CircuitBreaker, type CircuitState } from "../../src/resilience/circuit-breaker.ts";
import { FakeClock } from "./fake-clock.ts";

const fail = async (): Promise<never> => {
  throw new Error("upstream down");
};
const succeed = async (): Promise<string> => "ok";

function setup(options: Partial<ConstructorParameters<typeof CircuitBreaker>[0]> = {}) {
  const clock = new FakeClock();
  const transitions: string[] = [];
  const cb = new CircuitBreaker({
    now: clock.now,
    name: "kev",
    onStateChange: (from: CircuitState, to: CircuitState) => transitions.push(`${from}->${to}`),
    ...options,
  });
  return { clock, cb, transitions };
}

async function failTimes(cb: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await cb.execute(fail).catch(() => {});
}

describe("CircuitBreaker", () => {
  test("5 consecutive failures open it; a success in between resets the count", async () => {
    const { cb, transitions } = setup();
    await failTimes(cb, 4);
    expect(await cb.execute(succeed)).toBe("ok");
    await failTimes(cb, 4);
    expect(cb.state).toBe("closed");
    await failTimes(cb, 1);
    expect(cb.state).toBe("open");
    expect(transitions).toEqual(["closed->open"]);
  });

  test("while open it refuses without calling, with UNAVAILABLE, 'circuit open' and retryAfter", async () => {
    const { cb, clock } = setup();
    await failTimes(cb, 5);
    clock.advance(15_500);
    let called = false;
    const err = await cb
      .execute(async () => {
        called = true;
      })
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(err).toBeInstanceOf(TacError);
    expect((err as TacError).code).toBe("UNAVAILABLE");
    expect((err as TacError).message).toBe("circuit open");
    expect((err as TacError).retryAfter).toBe(45); // 44.5 s left, rounded up
    expect(cb.snapshot()).toMatchObject({ name: "kev", state: "open", retryAfterMs: 44_500, rejected: 1 });
  });

  test("after 60 s it half-opens; 3 successful probes close it", async () => {
    const { cb, clock, transitions } = setup();
    await failTimes(cb, 5);
    clock.advance(59_999);
    expect(cb.state).toBe("open");
    clock.advance(1);
    expect(cb.state).toBe("half-open");
    await cb.execute(succeed);
    await cb.execute(succeed);
    expect(cb.state).toBe("half-open");
    await cb.execute(succeed);
    expect(cb.state).toBe("closed");
    expect(transitions).toEqual(["closed->open", "open->half-open", "half-open->closed"]);
  });

  test("a failure in half-open re-opens it for another full period", async () => {
    const { cb, clock, transitions } = setup();
    await failTimes(cb, 5);
    clock.advance(60_000);
    await cb.execute(succeed);
    await failTimes(cb, 1);
    expect(cb.state).toBe("open");
    clock.advance(59_000);
    expect(cb.state).toBe("open");
    expect(transitions).toEqual(["closed->open", "open->half-open", "half-open->open"]);
  });

  test("half-open lets only halfOpenMaxInFlight probes through at once", async () => {
    const { cb, clock } = setup();
    await failTimes(cb, 5);
    clock.advance(60_000);
    let release!: () => void;
    const probe = cb.execute(() => new Promise<void>((r) => (release = r)));
    const second = await cb.execute(succeed).catch((e: unknown) => e);
    expect((second as TacError).code).toBe("UNAVAILABLE");
    release();
    await probe;
    expect(cb.snapshot().halfOpenSuccesses).toBe(1);
  });

  test("thresholds are configurable and isFailure can ignore errors", async () => {
    const { cb } = setup({
      failureThreshold: 2,
      isFailure: (e) => !(e instanceof TacError && e.code === "NOT_FOUND"),
    });
    for (let i = 0; i < 5; i++) {
      await cb.execute(() => Promise.reject(new TacError("NOT_FOUND", "gone"))).catch(() => {});
    }
    expect(cb.state).toBe("closed");
    await failTimes(cb, 2);
    expect(cb.state).toBe("open");
    expect(cb.snapshot().lastError).toBe("upstream down");
  });

  test("reset closes it at once", async () => {
    const { cb } = setup();
    await failTimes(cb, 5);
    cb.reset();
    expect(await cb.execute(succeed)).toBe("ok");
  });
});
