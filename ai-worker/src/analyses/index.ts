import type { Analysis } from '../ports/analysis.js';
import { emotionDetection } from './emotion-detection.js';
import { speakingTime } from './speaking-time.js';

/** The analyses that run here without a model; a model-backed one is added to this list. */
export const defaultAnalyses = (): Analysis[] => [speakingTime, emotionDetection()];
