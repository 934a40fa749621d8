export { fold, type Caller, type Decider } from './aggregate';
export { domainError, type DomainError, type DomainErrorCode } from './domain-error';
export { productDecider, checkText, maxDescriptionLength, MAX_DESCRIPTION_LENGTH, type ProductCommand, type ProductState, type RegisteredColumn, type SuggestedAssociation } from './product';
export { userDecider, USERNAME, type UserCommand, type UserState } from './user';
export { releaseDecider, productTypeDecider, type ReleaseCommand, type ReleaseState, type ProductTypeCommand } from './catalogue-setup';
export { groupDecider, groupStreamId, GROUP_NAME, type GroupCommand, type GroupState } from './group';
export { identityDecider, type IdentityCommand, type IdentityState } from './identity';
export { runDecider, isFinished, type RunCommand, type RunState, type RunStatus } from './pipeline-run';
