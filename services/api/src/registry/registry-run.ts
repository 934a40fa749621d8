import { streamName } from '@pz/contracts';
import { productDecider, type Caller, type DomainError, type ProductCommand } from '@pz/domain';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../deps';
import type { RegistryProblem } from './errors';
import type { MainFileRow } from './main-file';
import { decideRegistry, type RegistryOutcome, type RegistryRunOptions } from './registry-outcome';

async function registryCommand(allocateColumnIds: (n: number) => Promise<number[]>, caller: Caller, outcome: RegistryOutcome): Promise<ProductCommand> {
  if (outcome.kind === 'failed') return { type: 'FailProductRegistry', caller, fileId: outcome.fileId, code: outcome.code, reason: outcome.reason };
  // One id per column is an upper bound: the decider reuses the ids of same-named earlier columns.
  const newColumnIds = await allocateColumnIds(outcome.contents.columns.length);
  return { type: 'RegisterProductContents', caller, contents: outcome.contents, newColumnIds };
}

export type RegistryRunResult =
  | { readonly recorded: RegistryOutcome }
  /** Nothing recorded: a storage fault (ours), or the command was refused. */
  | { readonly registryProblem: RegistryProblem }
  | { readonly commandProblem: DomainError };

/**
 * One registry run, in a request or in a background job alike: inspect the main file, then
 * record the outcome as one command on the product's stream. A run that stops half-way (a crash)
 * has recorded nothing, so the product is as it was and registry can simply run again.
 */
export async function runRegistry(
  deps: AppDeps,
  product: { readonly id: number; readonly productTypeName: string },
  file: MainFileRow,
  caller: Caller,
  context: CommandContext,
  options: RegistryRunOptions = {},
): Promise<RegistryRunResult> {
  const outcome = await decideRegistry(deps.blobs, product.productTypeName, file, deps.config.tableDecodeTimeoutMs, options);
  if (!('kind' in outcome)) return { registryProblem: outcome };
  const command = await registryCommand((n) => deps.allocateIds('column', n), caller, outcome);
  const result = await deps.bus.execute(productDecider, streamName('product', product.id), command, context);
  if (!result.ok) return { commandProblem: result.error };
  return { recorded: outcome };
}
