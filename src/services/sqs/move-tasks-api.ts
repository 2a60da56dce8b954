import type { Operation } from '../../gateway/service';
import type { MoveTasks } from '../../queues/move-tasks';
import { int, reqStr, str } from './decode';
import { op } from './operation';

/** StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask. */
export function moveTaskOperations(tasks: MoveTasks): Record<string, Operation> {
  return {
    StartMessageMoveTask: op('StartMessageMoveTask', async (m) => ({
      TaskHandle: await tasks.start(reqStr(m, 'SourceArn'), str(m, 'DestinationArn'), int(m, 'MaxNumberOfMessagesPerSecond')),
    })),
    CancelMessageMoveTask: op('CancelMessageMoveTask', async (m) => ({
      ApproximateNumberOfMessagesMoved: await tasks.cancel(reqStr(m, 'TaskHandle')),
    })),
    ListMessageMoveTasks: op('ListMessageMoveTasks', async (m) => {
      const list = await tasks.list(reqStr(m, 'SourceArn'), int(m, 'MaxResults'));
      return {
        Results: list.map((t) => ({
          TaskHandle: t.status === 'RUNNING' ? t.taskHandle : undefined,
          Status: t.status,
          SourceArn: t.sourceArn,
          DestinationArn: t.destinationArn,
          MaxNumberOfMessagesPerSecond: t.maxPerSecond,
          ApproximateNumberOfMessagesMoved: t.moved,
          ApproximateNumberOfMessagesToMove: t.toMove,
          FailureReason: t.failureReason,
          StartedTimestamp: t.startedMs,
        })),
      };
    }),
  };
}
