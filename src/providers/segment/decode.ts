import { UserFacingError } from '../../util/errors.js';
import { DEFAULT_LIMITS, inspectImage, uprightPipeline, type ImageLimits } from '../../core/image-io.js';

/**
 * The upright first frame of a photo, resized (bilinear, stretched) to the model's input size in
 * 8-bit RGB; width/height are the upright photo's, the size the label map must have. sharp does the
 * work on libuv's pool, so the event loop stays free.
 */
export async function decodeForModel(
  image: Buffer,
  inputWidth: number,
  inputHeight: number,
  limits: ImageLimits = DEFAULT_LIMITS,
): Promise<{ pixels: Uint8Array; channels: number; width: number; height: number }> {
  const info = await inspectImage(image, limits);
  try {
    const { data, info: out } = await uprightPipeline(image, limits)
      .resize(inputWidth, inputHeight, { fit: 'fill', kernel: 'linear' })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    // A copy the worker can take over (sharp's buffers are not transferable).
    return { pixels: new Uint8Array(data), channels: out.channels, width: info.width, height: info.height };
  } catch (err) {
    throw new UserFacingError('image.corrupt', {}, { cause: err });
  }
}
