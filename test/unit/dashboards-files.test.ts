/**
 * The shipped saved objects, checked offline: Kibana cannot run on these machines, so every rule the
 * import would enforce (and a few it would only show as broken panels) is checked here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');
const dashboardsDir = join(repo, 'dashboards');
/** The hourly_metrics mapping (seed): the only fields a visualization may use. */
const MAPPED = new Set(['event_hour', 'total_transactions', 'total_amount', 'late_transactions', 'late_ratio']);
const META_FIELDS = new Set(['_id', '_index', '_score', '_source', '_type']);
const METRIC_FIELDS = ['total_transactions', 'total_amount', 'late_transactions', 'late_ratio'];

interface Ref {
  id: string;
  name: string;
  type: string;
}
interface SavedObject {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  references: Ref[];
  [k: string]: unknown;
}

function ndjsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? ndjsonFiles(join(dir, e.name)) : e.name.endsWith('.ndjson') ? [join(dir, e.name)] : [],
  );
}

function parseJsonString(value: unknown, what: string): unknown {
  assert.equal(typeof value, 'string', `${what} must be a JSON string`);
  try {
    return JSON.parse(value as string);
  } catch (err) {
    assert.fail(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function load(file: string): SavedObject[] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  return lines.map((line, i) => {
    let o: SavedObject;
    try {
      o = JSON.parse(line) as SavedObject;
    } catch (err) {
      assert.fail(`${relative(repo, file)} line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    assert.equal(typeof o.id, 'string', `line ${i + 1}: id`);
    assert.equal(typeof o.type, 'string', `line ${i + 1}: type`);
    assert.equal(typeof o.attributes, 'object', `line ${i + 1}: attributes`);
    assert.ok(Array.isArray(o.references), `line ${i + 1}: references`);
    return o;
  });
}

/** Every JSON-in-string field, parsed; throws on the first one that does not parse. */
function jsonFields(o: SavedObject): Record<string, unknown> {
  const a = o.attributes;
  const out: Record<string, unknown> = {};
  for (const key of [
    'panelsJSON',
    'visState',
    'uiStateJSON',
    'optionsJSON',
    'fields',
    'fieldFormatMap',
    'fieldAttrs',
    'runtimeFieldMap',
    'sourceFilters',
  ]) {
    if (key in a) out[key] = parseJsonString(a[key], `${o.type}/${o.id} ${key}`);
  }
  const meta = a.kibanaSavedObjectMeta as { searchSourceJSON?: unknown } | undefined;
  if (meta && 'searchSourceJSON' in meta) {
    out.searchSourceJSON = parseJsonString(meta.searchSourceJSON, `${o.type}/${o.id} searchSourceJSON`);
  }
  return out;
}

const files = ndjsonFiles(dashboardsDir);

test('there is a saved-objects file for Kibana and one for OpenSearch Dashboards', () => {
  const rel = files.map((f) => relative(dashboardsDir, f)).sort();
  assert.deepEqual(rel, ['kibana/hourly_metrics.ndjson', 'opensearch-dashboards/hourly_metrics.ndjson']);
});

for (const file of files) {
  const name = relative(repo, file);
  const kibana = name.includes('/kibana/');

  test(`${name}: every line parses, ids are unique, every JSON-in-string field parses`, () => {
    const objects = load(file);
    const ids = objects.map((o) => o.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${name}: ${ids.join(', ')}`);
    for (const o of objects) jsonFields(o);
    assert.deepEqual(objects.map((o) => o.type).sort(), [
      'dashboard',
      'index-pattern',
      'visualization',
      'visualization',
      'visualization',
      'visualization',
    ]);
  });

  test(`${name}: every reference resolves to an object in the file, names unique per object`, () => {
    const objects = load(file);
    const present = new Set(objects.map((o) => `${o.type}/${o.id}`));
    for (const o of objects) {
      const names = o.references.map((r) => r.name);
      assert.equal(new Set(names).size, names.length, `${o.type}/${o.id}: duplicate reference names`);
      for (const r of o.references) {
        assert.ok(present.has(`${r.type}/${r.id}`), `${o.type}/${o.id} references ${r.type}/${r.id}, not in ${name}`);
      }
    }
  });

  test(`${name}: indexRefName and panelRefName name existing references`, () => {
    const objects = load(file);
    for (const o of objects) {
      const parsed = jsonFields(o);
      const names = new Set(o.references.map((r) => r.name));
      const ss = parsed.searchSourceJSON as { indexRefName?: string; index?: string } | undefined;
      if (ss?.indexRefName !== undefined) {
        assert.ok(names.has(ss.indexRefName), `${o.type}/${o.id}: indexRefName ${ss.indexRefName} not in references`);
      }
      assert.equal(ss?.index, undefined, `${o.type}/${o.id}: searchSourceJSON must use indexRefName, not a raw index id`);
      if (o.type === 'dashboard') {
        const panels = parsed.panelsJSON as Array<{ panelIndex: string; panelRefName?: string; gridData: { i: string } }>;
        assert.ok(Array.isArray(panels));
        for (const p of panels) {
          assert.ok(p.panelRefName, `panel ${p.panelIndex} has no panelRefName`);
          assert.equal(p.gridData.i, p.panelIndex, `panel ${p.panelIndex}: gridData.i must equal panelIndex`);
          // Kibana 8/9 export references as "<panelIndex>:panel_…"; 7.x and OpenSearch Dashboards as "panel_…". Both resolve.
          const ref = o.references.find((r) => r.name === `${p.panelIndex}:${p.panelRefName}`) ?? o.references.find((r) => r.name === p.panelRefName);
          assert.ok(ref, `dashboard panel ${p.panelIndex}: reference ${p.panelRefName} missing`);
          assert.equal(ref.type, 'visualization');
        }
      }
    }
  });

  test(`${name}: the data view is hourly_metrics with time field event_hour`, () => {
    const objects = load(file);
    const views = objects.filter((o) => o.type === 'index-pattern');
    assert.equal(views.length, 1);
    const view = views[0]!;
    assert.equal(view.attributes.title, 'hourly_metrics');
    assert.equal(view.attributes.timeFieldName, 'event_hour');
    const parsed = jsonFields(view);
    for (const f of Object.keys((parsed.fieldFormatMap ?? {}) as object)) assert.ok(MAPPED.has(f), `fieldFormatMap: unknown field ${f}`);
    for (const f of Object.keys((parsed.fieldAttrs ?? {}) as object)) assert.ok(MAPPED.has(f), `fieldAttrs: unknown field ${f}`);
    const fields = (parsed.fields ?? []) as Array<{ name: string; type: string }>;
    for (const f of fields) assert.ok(MAPPED.has(f.name) || META_FIELDS.has(f.name), `fields: unknown field ${f.name}`);
    const hour = fields.find((f) => f.name === 'event_hour');
    if (hour) assert.equal(hour.type, 'date');
  });

  test(`${name}: four visualizations over the mapped fields, one per metric, bucketed by event_hour`, () => {
    const objects = load(file);
    const covered = new Set<string>();
    for (const o of objects.filter((x) => x.type === 'visualization')) {
      const vis = jsonFields(o).visState as {
        title: string;
        type: string;
        aggs: Array<{ type: string; schema: string; params: { field?: string } }>;
      };
      assert.equal(vis.title, o.attributes.title, `${o.id}: visState.title must match the title`);
      for (const agg of vis.aggs) {
        if (agg.params.field !== undefined) assert.ok(MAPPED.has(agg.params.field), `${o.id}: field ${agg.params.field} is not mapped`);
      }
      const bucket = vis.aggs.find((a) => a.schema === 'segment');
      assert.equal(bucket?.type, 'date_histogram', `${o.id}: x axis must be a date histogram`);
      assert.equal(bucket?.params.field, 'event_hour');
      const metric = vis.aggs.find((a) => a.schema === 'metric');
      assert.ok(metric?.params.field, `${o.id}: metric needs a field`);
      covered.add(metric.params.field);
      // A ratio cannot be summed across hours.
      if (metric.params.field === 'late_ratio') assert.notEqual(metric.type, 'sum');
      assert.equal(o.references.filter((r) => r.type === 'index-pattern').length, 1, `${o.id}: one data view reference`);
    }
    assert.deepEqual([...covered].sort(), [...METRIC_FIELDS].sort());
  });

  test(`${name}: the dashboard holds the four visualizations`, () => {
    const objects = load(file);
    const dashboards = objects.filter((o) => o.type === 'dashboard');
    assert.equal(dashboards.length, 1);
    const d = dashboards[0]!;
    const panels = jsonFields(d).panelsJSON as unknown[];
    assert.equal(panels.length, 4);
    const visIds = objects
      .filter((o) => o.type === 'visualization')
      .map((o) => o.id)
      .sort();
    assert.deepEqual(
      d.references
        .filter((r) => r.type === 'visualization')
        .map((r) => r.id)
        .sort(),
      visIds,
    );
    assert.equal(d.attributes.timeRestore, true);
  });

  test(`${name}: version stamps as ${kibana ? 'Kibana 8.8+' : 'OpenSearch Dashboards 2.x'} exports them`, () => {
    for (const o of load(file)) {
      if (kibana) {
        // Kibana refuses objects stamped newer than it knows: keep these at or below the 8.8 export values.
        assert.equal(o.coreMigrationVersion, '8.8.0', `${o.id}: coreMigrationVersion`);
        assert.match(String(o.typeMigrationVersion), /^8\.[0-8]\.\d+$/, `${o.id}: typeMigrationVersion`);
        assert.equal(o.migrationVersion, undefined);
      } else {
        const mv = o.migrationVersion as Record<string, string> | undefined;
        assert.ok(mv && typeof mv[o.type] === 'string', `${o.id}: migrationVersion.${o.type}`);
        assert.match(mv[o.type]!, /^7\.\d+\.\d+$/, `${o.id}: OpenSearch Dashboards is a 7.10 fork`);
      }
      assert.match(o.id, /^txpipe-hourly-metrics/, `${o.id}: stable, readable ids`);
    }
  });
}
