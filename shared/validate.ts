import type * as z from 'zod';
import { AppError, type FieldIssue } from './errors.ts';

/** A schema's problems as field issues: dotted paths (`items.0.quantity`) with the schema's Chinese messages. */
export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/**
 * Parses a command's input with its schema, or throws 400 `request.invalid` naming every field that is wrong.
 * Every domain command that takes input calls it first, so the API, the pages, imports and workflow steps get
 * the same checks and the same messages; `what` names the input in the message (请求内容, 查询参数, …).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = '请求内容'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error);
  throw new AppError('request.invalid', `${what}有误：${issues[0]?.message ?? '格式不正确'}`, issues);
}
