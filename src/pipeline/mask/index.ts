export {
  buildMask,
  unionMasks,
  subtractMask,
  maskBoundingBox,
  maskCoverage,
  erodeStrengths,
  setErodeDefaults,
  currentErodeStrengths,
  labelIndex,
  WHOLE_IMAGE,
  type MaskOptions,
  type Point,
} from './build.js';
export { featherInside } from './feather.js';
export { dilateSquare, insideDistance } from './dilate.js';
export { encodeMaskPng, encodeAlphaMaskPng } from './encode.js';
export { parsePoints } from './points.js';
