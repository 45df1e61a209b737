/** The consumer group every ingestor joins; billing reads its lag and replay compares against its offsets. */
export const INGESTOR_GROUP_ID = 'keymeter-ingestor';
