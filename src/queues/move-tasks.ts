import { randomUUID } from 'node:crypto';
import { QueueError } from './errors';
import type { QueueService } from './queue-service';

/**
 * Message move tasks (StartMessageMoveTask / ListMessageMoveTasks /
 * CancelMessageMoveTask): move a dead-letter queue's messages back to the
 * queues they came from, or to a DestinationArn, at most
 * MaxNumberOfMessagesPerSecond. Each step is one store transaction
 * (`moveMessages`), so a crash loses no message; the tasks' bookkeeping is
 * this process's (a restart forgets them, and a message not yet moved stays
 * in the dead-letter queue).
 */
export const moveTaskLimits = {
  /** MaxNumberOfMessagesPerSecond: 1 to 500 (AWS's API reference). */
  ratePerSecondMax: 500,
  /** Without a rate, AWS picks one ("system optimized"); Kumo moves at the maximum. */
  ratePerSecondDefault: 500,
  /** ListMessageMoveTasks: the 10 most recent tasks per source at most; default 1. */
  listResultsMax: 10,
  /** How often a running task moves its next batch (a second's worth of its rate). */
  stepMs: 1_000,
} as const;

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

export interface MoveTask {
  taskHandle: string;
  status: MoveTaskStatus;
  sourceArn: string;
  destinationArn?: string;
  maxPerSecond?: number;
  moved: number;
  toMove: number;
  startedMs: number;
  failureReason?: string;
}

export class MoveTasks {
  private readonly bySource = new Map<string, MoveTask[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly queues: QueueService) {}

  async start(sourceArn: string, destinationArn: string | undefined, maxPerSecond: number | undefined): Promise<string> {
    const source = this.queues.nameOfArn(sourceArn);
    if (source === undefined || !(await this.queues.exists(source))) {
      throw new QueueError('TaskNotFound', 'The resource that you specified for the SourceArn parameter doesn\'t exist.');
    }
    if (!(await this.queues.hasDeadLetterSources(source))) {
      throw new QueueError('Unsupported', 'Source queue must be configured as a Dead Letter Queue.');
    }
    let dest: string | null = null;
    if (destinationArn !== undefined) {
      const d = this.queues.nameOfArn(destinationArn);
      if (d === undefined || !(await this.queues.exists(d))) {
        throw new QueueError('TaskNotFound', 'The resource that you specified for the DestinationArn parameter doesn\'t exist.');
      }
      dest = d;
    }
    if (maxPerSecond !== undefined && (!Number.isInteger(maxPerSecond) || maxPerSecond < 1 || maxPerSecond > moveTaskLimits.ratePerSecondMax)) {
      throw new QueueError('InvalidParameter', `Value ${maxPerSecond} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and ${moveTaskLimits.ratePerSecondMax}.`);
    }
    const list = this.bySource.get(sourceArn) ?? [];
    if (list.some((t) => t.status === 'RUNNING' || t.status === 'CANCELLING')) {
      throw new QueueError('Unsupported', 'There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
    }
    const counts = await this.queues.getAttributes(source, ['ApproximateNumberOfMessages']);
    const task: MoveTask = {
      taskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn })).toString('base64'),
      status: 'RUNNING', sourceArn, destinationArn, maxPerSecond, moved: 0,
      toMove: Number(counts.ApproximateNumberOfMessages), startedMs: Date.now(),
    };
    list.unshift(task);
    this.bySource.set(sourceArn, list.slice(0, moveTaskLimits.listResultsMax));
    this.step(task, source, dest);
    return task.taskHandle;
  }

  private step(task: MoveTask, source: string, dest: string | null): void {
    if (task.status !== 'RUNNING') return;
    const rate = task.maxPerSecond ?? moveTaskLimits.ratePerSecondDefault;
    void this.queues.moveSome(source, dest, Math.min(rate, task.toMove - task.moved)).then(
      (n) => {
        task.moved += n;
        if (task.status !== 'RUNNING') return;
        if (n === 0 || task.moved >= task.toMove) {
          task.status = 'COMPLETED';
          return;
        }
        const t = setTimeout(() => {
          this.timers.delete(task.taskHandle);
          this.step(task, source, dest);
        }, moveTaskLimits.stepMs);
        t.unref();
        this.timers.set(task.taskHandle, t);
      },
      (e: unknown) => {
        task.status = 'FAILED';
        task.failureReason = e instanceof Error ? e.message : String(e);
      },
    );
  }

  async cancel(taskHandle: string): Promise<number> {
    for (const list of this.bySource.values()) {
      const t = list.find((x) => x.taskHandle === taskHandle);
      if (t && t.status === 'RUNNING') {
        t.status = 'CANCELLED';
        clearTimeout(this.timers.get(taskHandle));
        this.timers.delete(taskHandle);
        return t.moved;
      }
    }
    throw new QueueError('TaskNotFound', 'Task does not exist.');
  }

  async list(sourceArn: string, maxResults: number | undefined): Promise<MoveTask[]> {
    const source = this.queues.nameOfArn(sourceArn);
    if (source === undefined || !(await this.queues.exists(source))) {
      throw new QueueError('TaskNotFound', 'The resource that you specified for the SourceArn parameter doesn\'t exist.');
    }
    const max = maxResults ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > moveTaskLimits.listResultsMax) {
      throw new QueueError('InvalidParameter', `Value ${max} for parameter MaxResults is invalid. Reason: Must be between 1 and ${moveTaskLimits.listResultsMax}.`);
    }
    return (this.bySource.get(sourceArn) ?? []).slice(0, max);
  }

  /** Stops every timer (server stop). */
  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
