export { fold, type Caller, type Decider } from './aggregate';
export { domainError, type DomainError, type DomainErrorCode } from './domain-error';
export { productDecider, checkText, maxDescriptionLength, MAX_DESCRIPTION_LENGTH, type ProductCommand, type ProductState, type RegisteredColumn, type SuggestedAssociation } from './product';
export { userDecider, USERNAME, type UserCommand, type UserState } from './user';
export { releaseDecider, productTypeDecider, type ReleaseCommand, type ProductTypeCommand } from './catalogue-setup';
export { runDecider, isFinished, type RunCommand, type RunState, type RunStatus } from './pipeline-run';
