import sharp from 'sharp';
import { sendJson, startFakeServer, type FakeServer } from './http.js';

/** One `images.edit` call as the fake received it (multipart form decoded). */
export interface ImageEditCall {
  model: string;
  prompt: string;
  size: string;
  n: string | null;
  responseFormat: string | null;
  quality: string | null;
  image: { name: string; type: string; data: Buffer };
  mask?: { name: string; type: string; data: Buffer };
  authorization?: string;
}

export type OpenAiImagesMode = 'ok' | 'content-policy' | 'server-error';

export interface OpenAiImagesFake extends FakeServer {
  /** Base URL for the SDK (`…/v1`). */
  baseURL: string;
  mode: OpenAiImagesMode;
  color: { r: number; g: number; b: number };
  edits: ImageEditCall[];
}

async function fileField(form: FormData, name: string): Promise<{ name: string; type: string; data: Buffer } | undefined> {
  const v = form.get(name) ?? form.get(`${name}[]`);
  if (!v || typeof v === 'string') return undefined;
  return { name: v.name, type: v.type, data: Buffer.from(await v.arrayBuffer()) };
}

/**
 * A loopback OpenAI images API: `POST /v1/images/edits` (multipart/form-data, as the SDK sends it)
 * answering `{data:[{b64_json}]}` at the requested size, and `GET /v1/models/:id` for health checks.
 * Faults: the content-policy 400 the real service sends, and a 500.
 */
export async function startOpenAiImagesFake(init: { mode?: OpenAiImagesMode } = {}): Promise<OpenAiImagesFake> {
  const fake = (await startFakeServer(async (req, res) => {
    if (req.method === 'GET' && req.path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(req.path.slice('/v1/models/'.length));
      return sendJson(res, 200, { id, object: 'model', created: 1700000000, owned_by: 'openai' });
    }
    if (req.method !== 'POST' || req.path !== '/v1/images/edits') {
      return sendJson(res, 404, { error: { message: `Unknown path ${req.path}`, type: 'invalid_request_error', code: null, param: null } });
    }
    const form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
    const image = await fileField(form, 'image');
    const call: ImageEditCall = {
      model: String(form.get('model') ?? ''),
      prompt: String(form.get('prompt') ?? ''),
      size: String(form.get('size') ?? '1024x1024'),
      n: (form.get('n') as string | null) ?? null,
      responseFormat: (form.get('response_format') as string | null) ?? null,
      quality: (form.get('quality') as string | null) ?? null,
      image: image ?? { name: '', type: '', data: Buffer.alloc(0) },
      mask: await fileField(form, 'mask'),
      authorization: req.headers.authorization,
    };
    fake.edits.push(call);
    if (fake.mode === 'content-policy') {
      return sendJson(res, 400, {
        error: {
          message: 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
          type: 'image_generation_user_error',
          param: null,
          code: 'content_policy_violation',
        },
      });
    }
    if (fake.mode === 'server-error') {
      return sendJson(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } });
    }
    const [w, h] = call.size.split('x').map(Number) as [number, number];
    const png = await sharp({ create: { width: w, height: h, channels: 3, background: fake.color } }).png().toBuffer();
    return sendJson(res, 200, { created: Math.floor(Date.now() / 1000), data: [{ b64_json: png.toString('base64') }] });
  })) as OpenAiImagesFake;
  fake.baseURL = `${fake.url}/v1`;
  fake.mode = init.mode ?? 'ok';
  fake.color = { r: 0, g: 0, b: 255 };
  fake.edits = [];
  return fake;
}
