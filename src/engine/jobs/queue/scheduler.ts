import PQueue from 'p-queue';

export interface ScheduledTask {
  id: string;
  user: string;
  lane: string;
  run(signal: AbortSignal): Promise<void>;
  /** Called whenever the task's 1-based place in its lane's waiting line changes. */
  onPosition?(position: number): void;
}

interface Lane {
  queue: PQueue;
  concurrency: number;
  waiting: Map<string, (ScheduledTask & { seq: number })[]>;
  /** When each user last got a turn in this lane (a counter, not a clock). */
  lastServed: Map<string, number>;
  served: number;
  positions: Map<string, number>;
}

/**
 * Job lanes (one per backend) with a concurrency limit each, taking turns between users: the
 * next job belongs to the waiting user who was served least recently (ties: who asked first),
 * i.e. round-robin across users rather than first-come-first-served, so one person's batch
 * cannot starve everybody else. p-queue enforces the concurrency; this class decides who is next.
 */
export class FairScheduler {
  private readonly lanes = new Map<string, Lane>();
  private readonly running = new Map<string, { task: ScheduledTask; controller: AbortController }>();
  private readonly taskLane = new Map<string, string>();
  private seq = 0;
  private paused = false;
  private runningDone: (() => void)[] = [];

  constructor(private readonly concurrency: Record<string, number>) {}

  /** Starts no more tasks (shutdown); waiting ones stay where they are. */
  pause(): void {
    this.paused = true;
  }

  /** Aborts every running task's signal with `reason`. */
  abortRunning(reason: unknown): void {
    for (const r of this.running.values()) r.controller.abort(reason);
  }

  /** Resolves once no task is running. */
  onRunningDone(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((r) => this.runningDone.push(r));
  }

  enqueue(task: ScheduledTask): void {
    const lane = this.lane(task.lane);
    this.taskLane.set(task.id, task.lane);
    const entry = { ...task, seq: this.seq++ };
    const list = lane.waiting.get(task.user);
    if (list) list.push(entry);
    else lane.waiting.set(task.user, [entry]);
    this.pump(lane);
  }

  /** Stops a task: a waiting one is removed, a running one gets its signal aborted. */
  cancel(id: string): 'queued' | 'running' | 'unknown' {
    const run = this.running.get(id);
    if (run) {
      run.controller.abort(new Error('cancelled'));
      return 'running';
    }
    const laneName = this.taskLane.get(id);
    const lane = laneName ? this.lanes.get(laneName) : undefined;
    if (!lane) return 'unknown';
    for (const [user, list] of lane.waiting) {
      const i = list.findIndex((t) => t.id === id);
      if (i < 0) continue;
      list.splice(i, 1);
      if (list.length === 0) lane.waiting.delete(user);
      this.taskLane.delete(id);
      lane.positions.delete(id);
      this.notifyPositions(lane);
      return 'queued';
    }
    return 'unknown';
  }

  /** 1-based place in the waiting line; undefined once running or unknown. */
  position(id: string): number | undefined {
    const laneName = this.taskLane.get(id);
    const lane = laneName ? this.lanes.get(laneName) : undefined;
    if (!lane) return undefined;
    const i = this.order(lane).findIndex((t) => t.id === id);
    return i < 0 ? undefined : i + 1;
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Tasks of `user` waiting or running, over every lane. */
  countForUser(user: string): number {
    let n = 0;
    for (const r of this.running.values()) if (r.task.user === user) n++;
    for (const lane of this.lanes.values()) n += lane.waiting.get(user)?.length ?? 0;
    return n;
  }

  get runningCount(): number {
    return this.running.size;
  }

  get size(): number {
    let n = this.running.size;
    for (const lane of this.lanes.values()) for (const l of lane.waiting.values()) n += l.length;
    return n;
  }

  async onIdle(): Promise<void> {
    while (this.size > 0) {
      if (this.paused && this.running.size === 0) return;
      await Promise.all([...this.lanes.values()].map((l) => l.queue.onIdle()));
    }
  }

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane) {
      const concurrency = this.concurrency[name] ?? this.concurrency.default ?? 1;
      lane = { queue: new PQueue({ concurrency }), concurrency, waiting: new Map(), lastServed: new Map(), served: 0, positions: new Map() };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  /** Users with waiting tasks, next turn first. */
  private turnOrder(lane: Lane): string[] {
    return [...lane.waiting.keys()].sort(
      (a, b) => (lane.lastServed.get(a) ?? -1) - (lane.lastServed.get(b) ?? -1) || lane.waiting.get(a)![0]!.seq - lane.waiting.get(b)![0]!.seq,
    );
  }

  /** The waiting tasks in the order they will start: round r takes each user's r-th task, in turn order. */
  private order(lane: Lane): ScheduledTask[] {
    const users = this.turnOrder(lane);
    const out: ScheduledTask[] = [];
    for (let round = 0; ; round++) {
      let any = false;
      for (const user of users) {
        const task = lane.waiting.get(user)![round];
        if (task) {
          out.push(task);
          any = true;
        }
      }
      if (!any) return out;
    }
  }

  private pump(lane: Lane): void {
    while (!this.paused && lane.queue.pending + lane.queue.size < lane.concurrency && lane.waiting.size > 0) {
      const user = this.turnOrder(lane)[0]!;
      const list = lane.waiting.get(user)!;
      const task = list.shift()!;
      if (list.length === 0) lane.waiting.delete(user);
      lane.lastServed.set(user, lane.served++);
      if (lane.lastServed.size > 10_000) this.forgetIdleUsers(lane);
      lane.positions.delete(task.id);
      const controller = new AbortController();
      this.running.set(task.id, { task, controller });
      void lane.queue
        .add(async () => {
          try {
            await task.run(controller.signal);
          } finally {
            this.running.delete(task.id);
            this.taskLane.delete(task.id);
            if (this.running.size === 0) for (const r of this.runningDone.splice(0)) r();
          }
        })
        .catch(() => undefined)
        .finally(() => this.pump(lane));
    }
    this.notifyPositions(lane);
  }

  private forgetIdleUsers(lane: Lane): void {
    for (const user of lane.lastServed.keys()) if (!lane.waiting.has(user)) lane.lastServed.delete(user);
  }

  private notifyPositions(lane: Lane): void {
    this.order(lane).forEach((task, i) => {
      if (lane.positions.get(task.id) === i + 1) return;
      lane.positions.set(task.id, i + 1);
      task.onPosition?.(i + 1);
    });
  }
}
