// Data sets for experiments: streaming readers (CSV, TSV, JSONL, a folder per class), the shipped set, label checks.
export { BUILTIN_SETS, checkLabels, findDataFolder, MAX_CLASSES, openDataset, readAll, resolveDataPath, validateForProbe } from './dataset';
export type { DataFormat, DataRow, Dataset, OpenOptions } from './dataset';
