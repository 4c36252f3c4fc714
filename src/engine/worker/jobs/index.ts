// The worker's job handlers, one per job kind. Adding a job: its types in JobKinds (../protocol.ts), a handler here.
import type { JobKind } from '../protocol';
import type { JobTable } from './context';
import { download } from './download';
import { embed } from './embed';
import { experiment } from './experiment';
import { analysis, inspect } from './inspect';
import { load } from './load';
import { matrix } from './matrix';

export const handlers: JobTable = { load, inspect, embed, matrix, analysis, download, experiment };

export function isJobKind(kind: unknown): kind is JobKind {
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(handlers, kind);
}
