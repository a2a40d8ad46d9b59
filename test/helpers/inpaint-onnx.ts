/**
 * Tiny ONNX inpainting models for tests, protobuf written byte by byte (as test/segment/fixtures
 * does for the segmenter): the real I/O of the two cards, with a "model" that fills the hole with
 * one colour and keeps every known pixel.
 *
 * - MI-GAN pipeline I/O: `image` uint8 [1,3,H,W] and `mask` uint8 [1,1,H,W] (255 = known,
 *   0 = hole), any H and W; `result` uint8 [1,3,H,W].
 * - LaMa (Carve export) I/O: `image` float32 [1,3,512,512] in 0..1 and `mask` float32
 *   [1,1,512,512] (1 = hole); `output` float32 [1,3,512,512] in 0..255.
 */
import { dim, floatTensor, int, msg, str, type Field } from '../segment/fixtures/onnx.js';

const FLOAT = 1;
const UINT8 = 2;

function valueInfo(field: number, name: string, elem: number, dims: (number | string)[]): Field {
  return msg(field, str(1, name), msg(2, msg(1, int(1, elem), msg(2, ...dims.map(dim)))));
}

function intAttr(name: string, v: number): Field {
  return msg(5, str(1, name), int(3, v), int(20, 2));
}

let nodeId = 0;
function node(inputs: string[], outputs: string[], op: string, ...attrs: Field[]): Field {
  return msg(1, ...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, `${op}_${nodeId++}`), str(4, op), ...attrs);
}

function model(graph: Field[]): Buffer {
  return Buffer.from([...int(1, 8), ...str(2, 'chat-image-editor-tests'), ...msg(7, ...graph), ...msg(8, str(1, ''), int(2, 13))]);
}

export interface FixtureOptions {
  fill?: [number, number, number];
  /** Rename an input, to test a card that does not match its model. */
  imageName?: string;
}

export function tinyMiganPipeline(opts: FixtureOptions = {}): Buffer {
  const fill = opts.fill ?? [60, 180, 75];
  const image = opts.imageName ?? 'image';
  return model([
    node([image], ['imgf'], 'Cast', intAttr('to', FLOAT)),
    node(['mask'], ['maskf'], 'Cast', intAttr('to', FLOAT)),
    node(['maskf', 'C255'], ['known'], 'Div'),
    node(['ONE', 'known'], ['hole'], 'Sub'),
    node(['imgf', 'known'], ['kept'], 'Mul'),
    node(['FILL', 'hole'], ['filled'], 'Mul'),
    node(['kept', 'filled'], ['sum'], 'Add'),
    node(['sum'], ['result'], 'Cast', intAttr('to', UINT8)),
    str(2, 'tiny_migan_pipeline'),
    floatTensor('C255', [], [255]),
    floatTensor('ONE', [], [1]),
    floatTensor('FILL', [1, 3, 1, 1], fill),
    valueInfo(11, image, UINT8, [1, 3, 'height', 'width']),
    valueInfo(11, 'mask', UINT8, [1, 1, 'height', 'width']),
    valueInfo(12, 'result', UINT8, [1, 3, 'height', 'width']),
  ]);
}

export function tinyLama(opts: FixtureOptions = {}): Buffer {
  const fill = opts.fill ?? [200, 40, 160];
  return model([
    node(['ONE', 'mask'], ['keep'], 'Sub'),
    node(['image', 'C255'], ['img255'], 'Mul'),
    node(['img255', 'keep'], ['kept'], 'Mul'),
    node(['FILL', 'mask'], ['filled'], 'Mul'),
    node(['kept', 'filled'], ['output'], 'Add'),
    str(2, 'tiny_lama'),
    floatTensor('C255', [], [255]),
    floatTensor('ONE', [], [1]),
    floatTensor('FILL', [1, 3, 1, 1], fill),
    valueInfo(11, 'image', FLOAT, [1, 3, 512, 512]),
    valueInfo(11, 'mask', FLOAT, [1, 1, 512, 512]),
    valueInfo(12, 'output', FLOAT, [1, 3, 512, 512]),
  ]);
}
