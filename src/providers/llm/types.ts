/** One message of a chat completion request (text only; the vision request adds its image itself). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatRequest {
  messages: readonly ChatMessage[];
  /** Strict structured output: the reply must follow this JSON schema (`response_format: json_schema`). */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  signal?: AbortSignal;
}

/** What the model answered: its text, or why it declined. */
export interface ChatReply {
  content: string;
  /** The model's refusal message (OpenAI's `refusal` field). */
  refusal?: string;
  /** `stop`, `length`, `content_filter`, … as the server reported it. */
  finishReason?: string;
  usage: TokenUsage;
}
