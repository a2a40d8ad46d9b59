import { PARAM_SOURCES, type ParamsConfig } from '../config/schemas/params.js';

export type ParamSource = (typeof PARAM_SOURCES)[number];
export type ParamOrder = ParamsConfig;

export const DEFAULT_PARAM_ORDER: ParamOrder = { default: [...PARAM_SOURCES], perParam: {} };

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Thesis algorithm 8: every parameter any source sets takes the value of the first source in
 * its order (`perParam[name]`, else `default`) that sets it. `undefined` and `null` mean "not
 * set", so a user who has not chosen a seed falls through to the template.
 */
export function resolveParams(
  sources: Partial<Record<ParamSource, Record<string, unknown>>>,
  order: ParamOrder = DEFAULT_PARAM_ORDER,
): Record<string, unknown> {
  const names = new Set<string>();
  for (const source of PARAM_SOURCES) {
    const values = sources[source];
    if (values) for (const key of Object.keys(values)) if (!FORBIDDEN.has(key)) names.add(key);
  }
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const sequence = Object.prototype.hasOwnProperty.call(order.perParam, name) ? order.perParam[name]! : order.default;
    for (const source of sequence) {
      const values = sources[source];
      if (!values || !Object.prototype.hasOwnProperty.call(values, name)) continue;
      const value = values[name];
      if (value === undefined || value === null) continue;
      out[name] = value;
      break;
    }
  }
  return out;
}
