// What the engine must know about a model family beyond config.json's numbers, once, by `model_type`.
// RoBERTa and its derivatives number positions from padding_idx + 1 (= 2, as their pad token id is 1) instead of 0,
// so a graph that takes position_ids must be fed t + 2, and two of max_position_embeddings' rows are never used.

export interface ModelFamily {
  /** The family's name, for messages and tests. */
  readonly name: string;
  /** config.json `model_type` values of this family. */
  readonly modelTypes: readonly string[];
  /** Added to each token's index to make its position id. */
  readonly positionOffset: number;
  /** Rows of the position embedding no token can use: the usable length is max_position_embeddings minus these. */
  readonly reservedPositions: number;
}

const BERT: ModelFamily = { name: 'bert', modelTypes: [], positionOffset: 0, reservedPositions: 0 };

/** Families that differ from BERT's positions. Any other model_type is treated like BERT. */
export const MODEL_FAMILIES: readonly ModelFamily[] = [
  {
    name: 'roberta',
    modelTypes: ['roberta', 'xlm-roberta', 'xlm-roberta-xl', 'camembert', 'longformer', 'roberta-prelayernorm', 'data2vec-text', 'mpnet'],
    positionOffset: 2,
    reservedPositions: 2,
  },
];

const BY_TYPE: ReadonlyMap<string, ModelFamily> = new Map(MODEL_FAMILIES.flatMap((f) => f.modelTypes.map((t) => [t, f] as const)));

/** The family of a config.json `model_type` (BERT's rules when the type is not listed). */
export function familyOf(modelType: string): ModelFamily {
  return BY_TYPE.get(modelType) ?? BERT;
}
