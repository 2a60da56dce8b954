// The forked root supervisor of `kumo server` (supervisor.ts).
import { runSupervisorProcess } from './supervisor';

runSupervisorProcess(process.argv.slice(2));
