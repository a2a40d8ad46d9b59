export {
  buildMask,
  unionMasks,
  subtractMask,
  maskBoundingBox,
  maskCoverage,
  erodeStrengths,
  DEFAULT_ERODE,
  labelIndex,
  WHOLE_IMAGE,
  type ErodeSettings,
  type MaskOptions,
  type Point,
} from './build.js';
export { featherInside } from './feather.js';
export { dilateSquare, insideDistance } from './dilate.js';
export { parsePoints } from './points.js';
