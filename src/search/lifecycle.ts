/**
 * Request bodies for the index template and the retention policies (ISM for OpenSearch, ILM for
 * Elasticsearch). Pure; see documents.ts for the layout and the retention rule.
 */
import { hourlyMetricsMapping, type HourlyMetricsMapping } from './mapping.ts';
import { indexPattern, lifecycleDeleteAfterDays, retentionPolicyId } from './documents.ts';

/** Above Elasticsearch's built-in templates (100) and Fleet's (up to 200), as its docs advise (> 500). */
export const TEMPLATE_PRIORITY = 600;

export interface IndexTemplateBody {
  index_patterns: string[];
  priority: number;
  template: {
    settings: Record<string, string | number>;
    mappings: HourlyMetricsMapping;
    aliases: Record<string, Record<string, never>>;
  };
  _meta: Record<string, string>;
}

export interface TemplateOptions {
  replicas: number;
  /** Elasticsearch only: `index.lifecycle.name`. */
  ilmPolicy?: string;
}

/** Composable index template `<name>` for `<name>-*`: strict mapping, 1 shard, replicas, alias `<name>`. */
export function indexTemplateBody(name: string, options: TemplateOptions): IndexTemplateBody {
  const settings: Record<string, string | number> = {
    number_of_shards: 1,
    number_of_replicas: options.replicas,
  };
  if (options.ilmPolicy) settings['index.lifecycle.name'] = options.ilmPolicy;
  return {
    index_patterns: [indexPattern(name)],
    priority: TEMPLATE_PRIORITY,
    template: { settings, mappings: hourlyMetricsMapping(), aliases: { [name]: {} } },
    _meta: { managed_by: 'txpipe', description: `monthly ${name} indices behind the alias ${name}` },
  };
}

/** OpenSearch ISM policy: `retain` -> `delete` after min_index_age, auto-attached to `<name>-*`. */
export function ismPolicyBody(name: string, retentionDays: number) {
  return {
    policy: {
      description: `txpipe v1: delete ${name} monthly indices ${lifecycleDeleteAfterDays(retentionDays)}d after creation (retention ${retentionDays}d by event time, enforced by txpipe)`,
      default_state: 'retain',
      states: [
        {
          name: 'retain',
          actions: [],
          transitions: [{ state_name: 'delete', conditions: { min_index_age: `${lifecycleDeleteAfterDays(retentionDays)}d` } }],
        },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [indexPattern(name)], priority: 100 }],
    },
  };
}

/** Elasticsearch ILM policy: a delete phase at min_age (the template sets index.lifecycle.name). */
export function ilmPolicyBody(name: string, retentionDays: number) {
  return {
    _meta: { managed_by: 'txpipe', description: `retention ${retentionDays}d by event time for ${name}, enforced by txpipe` },
    phases: {
      hot: { min_age: '0ms', actions: {} },
      delete: { min_age: `${lifecycleDeleteAfterDays(retentionDays)}d`, actions: { delete: {} } },
    },
  };
}

export { retentionPolicyId };
