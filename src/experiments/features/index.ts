// Features for experiments: a data set embedded once per model (all layers, the probe's poolings), cached on disk,
// written as shards and merged back.
export { defaultFeatureCache, embedFeatures, writeFeatures } from './embed';
export type { FeatureArgs, FeatureResult, WriteArgs, WriteResult } from './embed';
export { experimentModel, fileSha256, hubCommit } from './model';
export { featurePairs, readFeatures, readManifest, shardRows, FEATURES_FORMAT } from './store';
export type { FeatureManifest, FeaturePair, FeatureSet } from './store';
