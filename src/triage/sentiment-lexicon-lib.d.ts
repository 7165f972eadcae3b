// Minimal types for the `sentiment` package (AFINN-165 lexicon, see sentiment-lexicon.ts), which ships none.
declare module 'sentiment' {
  interface AnalysisOptions {
    extras?: Record<string, number>;
    language?: string;
  }
  interface AnalysisResult {
    score: number;
    comparative: number;
    calculation: Record<string, number>[];
    tokens: string[];
    words: string[];
    positive: string[];
    negative: string[];
  }
  class Sentiment {
    constructor(options?: Record<string, unknown>);
    analyze(phrase: string, options?: AnalysisOptions, callback?: (err: unknown, result: AnalysisResult) => void): AnalysisResult;
  }
  export = Sentiment;
}
