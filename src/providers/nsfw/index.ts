/** The optional local NSFW image classifier (an ONNX model card; see config/safety.yaml `nsfw`). */
export { NsfwClassifier, ClassifierUnavailableError, type Classification, type ClassifierOptions } from './classifier.js';
