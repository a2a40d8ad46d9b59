/** Result of a health check of one outside service (used by `doctor`, /readyz and the status panel). */
export interface HealthStatus {
  /** Service name, e.g. "sd-webui", "openai:gpt-4o-mini", "segmenter:segformer_b2_clothes". */
  name: string;
  /** ok: reachable and usable; degraded: works with limits; down: unusable; off: not configured. */
  state: 'ok' | 'degraded' | 'down' | 'off';
  /** One sentence a person can act on (never a secret). */
  detail: string;
  latencyMs?: number;
}

export interface HealthCheck {
  health(signal?: AbortSignal): Promise<HealthStatus>;
}
