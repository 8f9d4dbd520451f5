import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionInput, Workflow } from '#shared/verification/index.ts';
import { getStringFromEnv } from './env.ts';
import { localPort, registerLocalPort } from './local-ports.ts';
import { logger } from './logger.ts';

/**
 * The engine that runs the verification workflow. On AWS: Step Functions (STATE_MACHINE_ARN). In the local
 * stack: the in-process runner, registered here by `infra/local/` before any handler runs.
 */
export function getWorkflow(): Workflow {
  return localPort('workflow') ?? stepFunctions();
}

/** Registers the local runner (local stack only). */
export function registerLocalWorkflow(workflow: Workflow | undefined): void {
  registerLocalPort('workflow', workflow);
}

let sfn: Workflow | undefined;
function stepFunctions(): Workflow {
  if (sfn) return sfn;
  const client = new SFNClient({});
  sfn = {
    async start(name: string, input: ExecutionInput) {
      // Read here, not at load: the task that only sends tokens must not need the state machine's ARN, which
      // would make the state machine and its own task function depend on each other in CloudFormation.
      const stateMachineArn = getStringFromEnv('STATE_MACHINE_ARN');
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      } catch (e) {
        // A Standard workflow refuses a second execution of the same name: the round is already running.
        if ((e as Error).name !== 'ExecutionAlreadyExists') throw e;
      }
    },
    async sendTaskSuccess(token: string, output: unknown) {
      try {
        await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      } catch (e) {
        // The task timed out or was already completed; the recorded decision is picked up when it re-registers.
        logger.warn('task token not accepted', { error: (e as Error).name });
      }
    },
  };
  return sfn;
}
