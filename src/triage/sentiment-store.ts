import type { SchemaNamespace, StateDb } from '../store/state-db.js';
import type { StateStore } from '../store/state-store.js';
import { analyzerFor, loadDefaultModel, type SentimentAnalyzer } from './sentiment.js';
import { parseModel, type SentimentModel } from './sentiment-model.js';

/**
 * A profile's own sentiment models (`deskctl triage learn`), in its StateStore (namespace
 * 'sentiment'): every run is kept as a numbered version with its held-out figures; at most one is
 * active, and triage uses it instead of the shipped model.
 */
export const SENTIMENT_SCHEMA: SchemaNamespace = {
  name: 'sentiment',
  sqlite: [
    `CREATE TABLE sentiment_models (
       version INTEGER PRIMARY KEY AUTOINCREMENT,
       created_at TEXT NOT NULL,
       active INTEGER NOT NULL DEFAULT 0,
       summary TEXT NOT NULL,
       model TEXT NOT NULL
     )`,
  ],
  postgres: [
    `CREATE TABLE sentiment_models (
       version BIGSERIAL PRIMARY KEY,
       created_at TEXT NOT NULL,
       active INTEGER NOT NULL DEFAULT 0,
       summary TEXT NOT NULL,
       model TEXT NOT NULL
     )`,
  ],
};

export interface StoredModelInfo {
  version: number;
  createdAt: string;
  active: boolean;
  /** What `triage learn` measured (JSON), kept for `triage learn --list`. */
  summary: unknown;
}

export class SentimentModels {
  private constructor(private readonly db: StateDb) {}

  static async open(store: StateStore): Promise<SentimentModels> {
    return new SentimentModels(await store.ensure(SENTIMENT_SCHEMA));
  }

  /** The version number the next saved model is expected to get (versions are never deleted). */
  async nextVersion(): Promise<number> {
    const row = await this.db.get<{ last: number | null }>(`SELECT MAX(version) AS last FROM sentiment_models`);
    return Number(row?.last ?? 0) + 1;
  }

  /** Saves a model as the next version; when `activate`, it becomes the one triage uses. */
  save(model: SentimentModel, summary: unknown, activate: boolean, at: Date): Promise<number> {
    return this.db.transaction(async (tx) => {
      if (activate) await tx.run(`UPDATE sentiment_models SET active = 0 WHERE active = 1`);
      const row = await tx.get<{ version: number }>(`INSERT INTO sentiment_models (created_at, active, summary, model) VALUES (?, ?, ?, ?) RETURNING version`, [
        at.toISOString(),
        activate ? 1 : 0,
        JSON.stringify(summary),
        JSON.stringify(model),
      ]);
      return Number(row!.version);
    });
  }

  /** The model triage uses, when the profile has one. */
  async active(): Promise<{ version: number; model: SentimentModel } | undefined> {
    const row = await this.db.get<{ version: number; model: string }>(`SELECT version, model FROM sentiment_models WHERE active = 1`);
    if (!row) return undefined;
    return { version: Number(row.version), model: parseModel(JSON.parse(row.model), `profile sentiment model v${row.version}`) };
  }

  /** Back to the shipped model; returns the version that was active. */
  deactivate(): Promise<number | undefined> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<{ version: number }>(`SELECT version FROM sentiment_models WHERE active = 1`);
      await tx.run(`UPDATE sentiment_models SET active = 0 WHERE active = 1`);
      return row ? Number(row.version) : undefined;
    });
  }

  async list(): Promise<StoredModelInfo[]> {
    const rows = await this.db.all<{ version: number; created_at: string; active: number; summary: string }>(
      `SELECT version, created_at, active, summary FROM sentiment_models ORDER BY version`,
    );
    return rows.map((r) => ({ version: Number(r.version), createdAt: r.created_at, active: Number(r.active) === 1, summary: JSON.parse(r.summary) }));
  }
}

/** The model a profile's commands score with: its active learned model, else the shipped one. */
export async function profileSentiment(store: StateStore): Promise<{ model: SentimentModel; analyze: SentimentAnalyzer }> {
  const model = (await (await SentimentModels.open(store)).active())?.model ?? loadDefaultModel();
  return { model, analyze: analyzerFor(model) };
}
