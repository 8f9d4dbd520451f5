import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { VERIFICATION_ASL, WORKFLOW_TASKS, type WorkflowTask } from '#functions/workflow-tasks.ts';
import type { Db } from '#shared/db.ts';
import {
  type ExecutionInput,
  IN_FLIGHT,
  inputOf,
  listVerifications,
  type Workflow,
} from '#shared/verification/index.ts';

/**
 * Runs the verification state machine on this machine: the same ASL file CDK deploys, in aws-local-stepfunctions,
 * with every Task overridden by the handler the Lambda runs. What the local runner lacks, it adds here:
 *
 * - Task tokens: the runner does not mint them, so each execution gets one (`local:<name>`) through the
 *   Context Object; the decision route completes it with `sendTaskSuccess`, as it would on AWS.
 * - Durability: the runner keeps nothing on disk. Every step is idempotent and all state is in the table, so
 *   `resume()` simply starts again every execution whose round is still in flight: finished steps return what
 *   they did, the decision wait finds a recorded decision, and the objection window waits for its stored
 *   closing time.
 */

type Payload = Record<string, unknown> & { verificationId: string };
type LambdaHandler = (event: Payload, context: Context) => Promise<unknown>;

/** One execution as the local runner saw it: the states it entered, in order, and how it ended. */
export interface LocalExecution {
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  states: string[];
  retries: number;
  error?: string;
}

interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  ItemProcessor?: { States: Record<string, AslState> };
}

const context = (name: string) =>
  ({ awsRequestId: `local-${name}`, functionName: name, getRemainingTimeInMillis: () => 60_000 }) as unknown as Context;

/** The ASL definition, parsed from the one file. */
export function loadDefinition(root = process.cwd()): { States: Record<string, AslState> } & Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, VERIFICATION_ASL), 'utf8'));
}

/** Every Task state, nested ones included, with the placeholder its FunctionName names. */
export function taskStates(states: Record<string, AslState>): [string, AslState, WorkflowTask][] {
  const out: [string, AslState, WorkflowTask][] = [];
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') {
      const placeholder = /^\$\{(\w+)\}$/.exec(state.Parameters?.FunctionName ?? '')?.[1];
      if (!placeholder || !(placeholder in WORKFLOW_TASKS)) throw new Error(`task ${name} names no known function`);
      out.push([name, state, placeholder as WorkflowTask]);
    }
    if (state.ItemProcessor) out.push(...taskStates(state.ItemProcessor.States));
  }
  return out;
}

/** Settings of the local runner that tests change; the product runs with none. */
export interface LocalWorkflowOptions {
  /** Milliseconds between retries of a failed task, instead of the definition's seconds (tests of failures). */
  retryIntervalMs?: number;
  /**
   * Task states that fail every attempt, as a Lambda that keeps crashing would: fault injection for tests of
   * the failure path. The error name is the value.
   */
  failingStates?: Record<string, string>;
}

export class LocalWorkflow implements Workflow {
  private readonly machine: StateMachine;
  private readonly overrides: Record<string, (input: { Payload: Payload }) => Promise<unknown>> = {};
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();
  private readonly waiters = new Map<string, (output: unknown) => void>();
  /** What each execution did in this process, for tests and the local `/_local/executions/{name}` route. */
  readonly executions = new Map<string, LocalExecution>();

  private readonly db: Db;
  private readonly retryIntervalOverrides: Record<string, number> | undefined;

  constructor(db: Db, options: LocalWorkflowOptions = {}) {
    this.db = db;
    const definition = loadDefinition();
    this.machine = new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: false } });
    for (const [stateName, state, task] of taskStates(definition.States)) {
      const handler = () =>
        import(`#functions/${WORKFLOW_TASKS[task]}.ts`).then((m: { handler: LambdaHandler }) => m.handler);
      this.overrides[stateName] = state.Resource?.endsWith('.waitForTaskToken')
        ? async ({ Payload }) => {
            // Listen before the handler runs: if the decision is already recorded, it completes the token at once.
            const token = Payload.taskToken as string;
            const decided = new Promise((resolve) => this.waiters.set(token, resolve));
            await (await handler())(Payload, context(stateName));
            return decided;
          }
        : async ({ Payload }) => ({ Payload: await (await handler())(Payload, context(stateName)) });
      const fault = options.failingStates?.[stateName];
      if (fault) {
        this.overrides[stateName] = async () => {
          const e = new Error(`injected fault in ${stateName}`);
          e.name = fault;
          throw e;
        };
      }
    }
    this.retryIntervalOverrides =
      options.retryIntervalMs === undefined
        ? undefined
        : Object.fromEntries(taskStates(definition.States).map(([name]) => [name, options.retryIntervalMs as number]));
  }

  /** Starts an execution unless one of that name is already running in this process. */
  async start(name: string, input: ExecutionInput): Promise<void> {
    if (this.running.has(name)) return;
    const record: LocalExecution = { name, status: 'RUNNING', states: [], retries: 0 };
    this.executions.set(name, record);
    const execution = this.machine.run(input as never, {
      // The runner types payloads as JSON values; ours are JSON objects of a known shape.
      overrides: {
        taskResourceLocalHandlers: this.overrides as never,
        ...(this.retryIntervalOverrides ? { retryIntervalOverrides: this.retryIntervalOverrides } : {}),
      },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: `local:${name}`, Name: name, Input: input as never, StartTime: new Date().toISOString() },
        Task: { Token: `local:${name}` },
      },
    });
    const events = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered') record.states.push(event.state.name);
        if (event.type === 'StateRetried') record.retries++;
      }
    })();
    const done = execution.result
      .then((result) => {
        record.status = result === null ? 'ABORTED' : 'SUCCEEDED';
      })
      .catch((e: Error) => {
        record.status = 'FAILED';
        record.error = `${e.name}: ${e.message}`;
        console.error(
          JSON.stringify({ level: 'ERROR', message: 'verification execution failed', name, error: record.error }),
        );
      })
      .then(() => events)
      .finally(() => this.running.delete(name));
    this.running.set(name, { abort: execution.abort, done });
  }

  async sendTaskSuccess(token: string, output: unknown): Promise<void> {
    const resolve = this.waiters.get(token);
    this.waiters.delete(token);
    resolve?.(output);
  }

  /** Starts again every execution whose round is still in flight (after a restart of the local stack). */
  async resume(): Promise<string[]> {
    const inFlight = (await listVerifications(this.db)).filter((v) => IN_FLIGHT.includes(v.status));
    for (const v of inFlight) await this.start(v.id, inputOf(v));
    return inFlight.map((v) => v.id);
  }

  /** Waits for an execution of this process to end (tests). */
  async settled(name: string): Promise<LocalExecution | undefined> {
    await this.running.get(name)?.done;
    return this.executions.get(name);
  }

  /** Stops every running execution; their state stays in the table for `resume()`. */
  async close(): Promise<void> {
    const runs = [...this.running.values()];
    for (const r of runs) r.abort();
    await Promise.all(runs.map((r) => r.done));
  }
}
