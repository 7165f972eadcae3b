/**
 * The features the sentiment model reads from a message. Pure and dependency-free.
 *
 * - words (lower case; numbers become `#num`) and word pairs within a clause ("still no", "third time");
 * - negation scope: after "not", "no", "never", "n't"... the next words of the clause (up to 3) become
 *   `not_WORD`, so "not happy" and "happy" are different features;
 * - intensifiers ("very", "so", "really"...) count the next word twice;
 * - patterns: repeated "!!" or "?!", ALL CAPS shouting, angry/happy emoji and emoticons, and
 *   repeated-contact phrases ("third time", "still no", "no one called me back", "for two weeks").
 * Each feature keeps the text that produced it, which is what triage shows as a reason.
 */

export interface Features {
  /** feature -> value (1, or 2 for an intensified word). */
  values: Map<string, number>;
  /** feature -> the words or pattern a person would recognise in the message. */
  evidence: Map<string, string>;
}

const NEGATORS = new Set([
  'not', 'no', 'never', 'nothing', 'nobody', 'none', 'neither', 'nor', 'cannot', 'without', 'hardly', 'barely',
  "can't", "won't", "don't", "doesn't", "didn't", "isn't", "wasn't", "aren't", "weren't", "haven't", "hasn't",
  "hadn't", "couldn't", "shouldn't", "wouldn't", 'cant', 'wont', 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'havent', 'hasnt', 'couldnt',
]);
/** Words that end a negation scope inside a clause. */
const SCOPE_BREAKERS = new Set(['but', 'however', 'although', 'though', 'yet', 'and']);
const INTENSIFIERS = new Set(['very', 'really', 'so', 'extremely', 'absolutely', 'totally', 'completely', 'utterly', 'incredibly', 'super', 'truly', 'seriously', 'beyond', 'too', 'most']);
const NEGATION_SCOPE = 3;

const NEGATIVE_EMOJI = /[\u{1F620}\u{1F621}\u{1F624}\u{1F92C}\u{1F61E}\u{1F61F}\u{1F622}\u{1F62D}\u{1F629}\u{1F62B}\u{1F612}\u{1F644}\u{1F641}\u{2639}\u{1F44E}\u{1F4A9}\u{1F92F}\u{1F625}\u{1F623}\u{1F616}\u{1F615}]/gu;
const POSITIVE_EMOJI = /[\u{1F600}-\u{1F604}\u{1F60A}\u{1F60D}\u{1F642}\u{1F970}\u{1F44D}\u{1F64F}\u{2764}\u{1F4AF}\u{1F389}\u{1F60E}\u{2705}\u{1F929}\u{1F973}\u{1F618}\u{263A}]/gu;
const NEGATIVE_EMOTICON = /(?:^|\s)(?::-?\(+|:'\(|:-?\/(?!\/)|>:\(|D:)(?=\s|$|[.,!?])/g;
const POSITIVE_EMOTICON = /(?:^|\s)(?::-?\)+|:-?D\b|;-?\)|<3)(?=\s|$|[.,!?])/g;

/** Phrases of a customer who has already asked, waited or been let down before. */
const REPEAT_CONTACT: readonly RegExp[] = [
  /\b(?:second|third|fourth|fifth|2nd|3rd|4th|5th|\d+th)\s+time\b/,
  /\b(?:two|three|four|five|six|several|multiple|many|\d+)\s+times\b/,
  /\b(?:asked|called|emailed|written|wrote|contacted|chased|messaged|explained)\s+(?:you\s+)?(?:twice|again|already|before|repeatedly)\b/,
  /\bstill\s+(?:no|not|nothing|waiting|hasn't|haven't|hasnt|havent|isn't|isnt|doesn't|doesnt|can't|cant|don't|dont|broken|missing|charging|no\s+sign)\b/,
  /\b(?:no\s*one|nobody|no\s+body)\s+(?:has\s+|have\s+|ever\s+)?(?:called|got|gets|getting|came|replied|answered|responded|reply|replies|answers|responds|picks|picked|bothered|contacted|helped|helps|knows)\b/,
  /\b(?:no|zero|without\s+an?)\s*(?:responses?|reply|replies|answers?|updates?|callbacks?|call\s+back|follow[-\s]?ups?)\b/,
  /\b(?:haven't|havent|have\s+not|never|not)\s+(?:heard|had\s+a\s+(?:reply|response|call))\b/,
  /\b(?:yet\s+again|once\s+again|again\s+and\s+again|over\s+and\s+over|every\s+single\s+time|how\s+many\s+times|keep\s+(?:getting|being|asking|telling|saying))\b/,
  /\b(?:been\s+waiting|waited|waiting)\s+(?:for\s+)?(?:over\s+|more\s+than\s+|almost\s+|nearly\s+)?(?:a|an|one|two|three|four|five|six|several|\d+)\s+(?:days?|weeks?|months?|hours?)\b/,
  /\b(?:for|over|after)\s+(?:two|three|four|five|six|several|\d+)\s+(?:days|weeks|months)\s+(?:now|already)\b/,
  /\bpromised\b.{0,40}\b(?:never|didn't|didnt|did\s+not|still|but)\b/,
];

const ACRONYMS = new Set(['OK', 'USA', 'UK', 'EU', 'UPS', 'DHL', 'USPS', 'FAQ', 'PDF', 'VAT', 'API', 'SMS', 'URL', 'ID', 'PIN', 'CEO', 'ASAP', 'FYI', 'TV', 'PC', 'GPS', 'LED', 'USB', 'CSV', 'ETA', 'IT', 'HR', 'ORD', 'RMA', 'SKU', 'NYC', 'AM', 'PM', 'IOS', 'TBD', 'DM', 'DMS', 'PS', 'II', 'III', 'MR', 'MRS', 'DR']);

/** Human labels of the pattern features (the words of a reason). */
export const PATTERN_LABELS: Readonly<Record<string, string>> = {
  '<!!>': "repeated '!'",
  '<?!>': "'?!' or '??'",
  '<caps>': 'ALL CAPS',
  '<emoji-neg>': 'unhappy emoji',
  '<emoji-pos>': 'happy emoji',
  '<repeat-contact>': 'repeated contact',
};

const TOKEN = /[\p{L}\p{N}]+(?:['\u2019][\p{L}]+)*|[.,;:!?()]/gu;
const CLAUSE_END = new Set(['.', ',', ';', ':', '!', '?', '(', ')']);

function add(f: Features, key: string, value: number, evidence: string): void {
  const had = f.values.get(key) ?? 0;
  if (value > had) f.values.set(key, value);
  if (!f.evidence.has(key)) f.evidence.set(key, evidence);
}

/** The features of one message (quotes should already be stripped). */
export function extractFeatures(text: string): Features {
  const f: Features = { values: new Map(), evidence: new Map() };
  if (!text) return f;

  const exclaim = /!{2,}/.exec(text);
  if (exclaim) add(f, '<!!>', 1, exclaim[0]);
  const puzzled = /\?{2,}|\?!|!\?/.exec(text);
  if (puzzled) add(f, '<?!>', 1, puzzled[0]);
  const shouted = (text.match(/\b[A-Z]{3,}\b/g) ?? []).filter((w) => !ACRONYMS.has(w));
  if (shouted.length >= 2 || shouted.some((w) => w.length >= 6)) add(f, '<caps>', 1, shouted.slice(0, 3).join(' '));
  const sad = text.match(NEGATIVE_EMOJI) ?? [];
  const sadFaces = (text.match(NEGATIVE_EMOTICON) ?? []).map((m) => m.trim());
  if (sad.length || sadFaces.length) add(f, '<emoji-neg>', 1, [...new Set([...sad, ...sadFaces])].slice(0, 3).join(' '));
  const happy = text.match(POSITIVE_EMOJI) ?? [];
  const happyFaces = (text.match(POSITIVE_EMOTICON) ?? []).map((m) => m.trim());
  if (happy.length || happyFaces.length) add(f, '<emoji-pos>', 1, [...new Set([...happy, ...happyFaces])].slice(0, 3).join(' '));

  const lower = text.toLowerCase().replace(/\u2019/g, "'");
  for (const re of REPEAT_CONTACT) {
    const m = re.exec(lower);
    if (m) {
      add(f, '<repeat-contact>', 1, m[0].replace(/\s+/g, ' '));
      break;
    }
  }

  let negated = 0;
  let boost = 1;
  let booster = '';
  let negator = '';
  let prev: string | null = null;
  for (const m of lower.matchAll(TOKEN)) {
    const raw = m[0];
    if (CLAUSE_END.has(raw)) {
      negated = 0;
      boost = 1;
      prev = null;
      continue;
    }
    const word = /^\p{N}+$/u.test(raw) ? '#num' : raw.replace(/'s$/, '');
    if (prev) add(f, `${prev} ${word}`, 1, `${prev} ${word}`);
    prev = word;
    if (SCOPE_BREAKERS.has(word)) negated = 0;
    if (NEGATORS.has(word) || word.endsWith("n't")) {
      add(f, word, 1, word);
      negated = NEGATION_SCOPE;
      negator = word;
      continue;
    }
    if (INTENSIFIERS.has(word)) {
      add(f, word, 1, word);
      boost = 2;
      booster = word;
      continue;
    }
    if (negated > 0) {
      // a negator reads best with what it negates: "not happy" rather than "not"
      if (negated === NEGATION_SCOPE && f.evidence.get(negator) === negator) f.evidence.set(negator, `${negator} ${word}`);
      negated--;
      add(f, `not_${word}`, boost, `not ${word}`);
    } else add(f, word, boost, boost > 1 ? `${booster} ${word}` : word);
    boost = 1;
  }
  return f;
}

/** How a feature reads in a reason: `not_happy` -> "not happy", `<caps>` -> "ALL CAPS (WHY NOT)". */
export function describeFeature(feature: string, evidence: string | undefined): string {
  const label = PATTERN_LABELS[feature];
  if (label) return evidence ? `${label} (${evidence})` : label;
  return evidence ?? feature.replace(/^not_/, 'not ');
}
