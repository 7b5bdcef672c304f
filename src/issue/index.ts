export { checkIssueFile, checkIssueSource, issueSlug, loadIssueFile, type LoadedIssue } from './load';
export { eachEvent, eventId, type LocatedEvent } from './events';
export { IssueSchema, issueJsonSchema, type Issue, type IssueEvent, type IssueLink, type IssueSection } from './schema';
export { buildView, type EventView, type IssueView, type LinkView } from './view';
