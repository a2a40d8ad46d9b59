/**
 * The one place where execution binds to helper B's mask module and helper A's parameter
 * resolution (kept as one seam so tests and alternative implementations swap in one file).
 */
export { buildMask, featherInside, maskBoundingBox, erodeStrengths, type ErodeSettings } from '../mask/index.js';
export { presentLabels } from '../labelmap.js';
export { resolveParams, type ParamOrder, type ParamSource } from '../params.js';
