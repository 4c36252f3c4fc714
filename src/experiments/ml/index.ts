// The maths of the experiments: pure TypeScript over typed arrays (no onnxruntime, no vscode). See each module.
export { makeRng, permutation, shuffled, randInt, gaussian } from './rng';
export { stratifiedFolds, shuffledFolds, splitFold } from './folds';
export { minimize, type LbfgsOptions, type LbfgsResult, type LbfgsStop } from './lbfgs';
export { fitStandardizer, applyStandardizer, type Standardizer } from './standardize';
export { fitLogReg, predict, predictProba, decisionFunction, logRegObjective, type LogRegModel, type LogRegOptions } from './logreg';
export { accuracy, macroF1, majorityRate, classCounts, meanStd } from './metrics';
export { crossValidate, crossValidateFolds, controlLabels, probeLayerPooling, probeLayerPoolingDetail, type CrossValOptions, type CrossValResult, type ProbeScores } from './crossval';
export { MlInputError } from './errors';
export { pca2, pcaFit, jacobiEigen, type PcaResult } from './pca';
export { umap2, UMAP_MIN_POINTS, type UmapOptions } from './umap';
export { bowProbe, precisionRecallAtK, type BowOptions, type BowResult, type BowScores } from './bow';
