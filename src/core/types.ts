/**
 * A per-pixel label map of an upright photo: data[y * width + x] is the index of the pixel's label
 * in `labels` (the active model's label list). Same size as the photo it was computed for.
 */
export interface LabelMap {
  width: number;
  height: number;
  data: Uint8Array;
  labels: readonly string[];
}

/** A binary mask: 255 = edit, 0 = keep; same size as the photo. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}
