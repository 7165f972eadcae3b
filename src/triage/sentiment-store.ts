import type { StateStore } from '../store/state-store.js';
import { analyzerFor, loadDefaultModel, type SentimentAnalyzer } from './sentiment.js';
import { parseModel, type SentimentModel } from './sentiment-model.js';

/**
 * A profile's own sentiment models (`deskctl triage learn`), in its StateStore (namespace
 * 'sentiment'): every run is kept as a numbered version with its held-out figures; at most one is
 * active, and triage uses it instead of the shipped model.
 */
export const SENTIMENT_NAMESPACE = 'sentiment';
export const SENTIMENT_MIGRATIONS = [
  `CREATE TABLE sentiment_models (
     version INTEGER PRIMARY KEY AUTOINCREMENT,
     created_at TEXT NOT NULL,
     active INTEGER NOT NULL DEFAULT 0,
     summary TEXT NOT NULL,
     model TEXT NOT NULL
   )`,
] as const;

export interface StoredModelInfo {
  version: number;
  createdAt: string;
  active: boolean;
  /** What `triage learn` measured (JSON), kept for `triage learn --list`. */
  summary: unknown;
}

export class SentimentModels {
  private constructor(private readonly store: StateStore) {}

  static open(store: StateStore): SentimentModels {
    store.ensureSchema(SENTIMENT_NAMESPACE, SENTIMENT_MIGRATIONS);
    return new SentimentModels(store);
  }

  /** The version number the next saved model gets. */
  nextVersion(): number {
    const row = this.store.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'sentiment_models'`).get() as { seq: number } | undefined;
    return (row?.seq ?? 0) + 1;
  }

  /** Saves a model as the next version; when `activate`, it becomes the one triage uses. */
  save(model: SentimentModel, summary: unknown, activate: boolean, at: Date): number {
    const db = this.store.db;
    return db.transaction(() => {
      if (activate) db.prepare(`UPDATE sentiment_models SET active = 0 WHERE active = 1`).run();
      const r = db
        .prepare(`INSERT INTO sentiment_models (created_at, active, summary, model) VALUES (?, ?, ?, ?)`)
        .run(at.toISOString(), activate ? 1 : 0, JSON.stringify(summary), JSON.stringify(model));
      return Number(r.lastInsertRowid);
    })();
  }

  /** The model triage uses, when the profile has one. */
  active(): { version: number; model: SentimentModel } | undefined {
    const row = this.store.db.prepare(`SELECT version, model FROM sentiment_models WHERE active = 1`).get() as { version: number; model: string } | undefined;
    if (!row) return undefined;
    return { version: row.version, model: parseModel(JSON.parse(row.model), `profile sentiment model v${row.version}`) };
  }

  /** Back to the shipped model; returns the version that was active. */
  deactivate(): number | undefined {
    const row = this.store.db.prepare(`SELECT version FROM sentiment_models WHERE active = 1`).get() as { version: number } | undefined;
    this.store.db.prepare(`UPDATE sentiment_models SET active = 0 WHERE active = 1`).run();
    return row?.version;
  }

  list(): StoredModelInfo[] {
    const rows = this.store.db.prepare(`SELECT version, created_at, active, summary FROM sentiment_models ORDER BY version`).all() as {
      version: number;
      created_at: string;
      active: number;
      summary: string;
    }[];
    return rows.map((r) => ({ version: r.version, createdAt: r.created_at, active: r.active === 1, summary: JSON.parse(r.summary) }));
  }
}

/** The model a profile's commands score with: its active learned model, else the shipped one. */
export function profileSentiment(store: StateStore): { model: SentimentModel; analyze: SentimentAnalyzer } {
  const model = SentimentModels.open(store).active()?.model ?? loadDefaultModel();
  return { model, analyze: analyzerFor(model) };
}
