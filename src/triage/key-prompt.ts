import { createPrompt, isEnterKey, makeTheme, useKeypress, usePrefix, useState, type KeypressEvent, type Status } from '@inquirer/core';

/**
 * A single-keypress menu: the message with a one-line key legend; a known key answers at once
 * (no Enter), Enter answers the default key, `h` shows or hides the full legend, any other key is
 * ignored with a short hint on the line below. Ctrl-C rejects with ExitPromptError like every
 * other @inquirer prompt.
 */
export interface KeyChoice<Value> {
  /** One lower-case letter (other than `h`, which toggles the help). */
  key: string;
  name: string;
  value: Value;
}

export interface KeyPromptConfig<Value> {
  message: string;
  choices: readonly KeyChoice<Value>[];
  /** The key Enter stands for. */
  default?: string;
}

/** Optional streams/abort signal, as for every @inquirer prompt (tests drive it through them). */
export type KeyPromptContext = Parameters<typeof prompt>[1];
export type KeyPrompt = <Value>(config: KeyPromptConfig<Value>, context?: KeyPromptContext) => Promise<Value>;

const HELP = 'h';

/** What a keypress names: the letter for printable keys (case-insensitive), otherwise the key's name. */
function keyOf(event: KeypressEvent & { sequence?: string }): string {
  if (event.ctrl) return `ctrl-${event.name ?? ''}`;
  if (event.name && event.name.length === 1) return event.name.toLowerCase();
  if (!event.name && event.sequence && event.sequence.length === 1) return event.sequence.toLowerCase();
  return event.name ?? event.sequence ?? '?';
}

const prompt = createPrompt<unknown, KeyPromptConfig<unknown>>((config, done) => {
  const theme = makeTheme();
  const [status, setStatus] = useState<Status>('idle');
  const [chosen, setChosen] = useState<KeyChoice<unknown> | undefined>(undefined);
  const [expanded, setExpanded] = useState(false);
  const [hint, setHint] = useState<string | undefined>(undefined);
  const prefix = usePrefix({ status, theme });
  const choices = config.choices;

  useKeypress((event, rl) => {
    // single keys: nothing is typed into the line
    rl.clearLine(0);
    if (event.ctrl && event.name === 'c') return; // readline turns it into SIGINT: ExitPromptError
    const key = isEnterKey(event) ? (config.default ?? '') : keyOf(event);
    const choice = choices.find((c) => c.key === key);
    if (choice) {
      setChosen(choice);
      setStatus('done');
      done(choice.value);
    } else if (key === HELP) {
      setExpanded(!expanded);
      setHint(undefined);
    } else {
      const shown = isEnterKey(event) ? 'Enter' : key;
      setHint(`'${shown}' is not a key here (${HELP} lists the keys)`);
    }
  });

  const message = theme.style.message(config.message, status);
  if (status === 'done' && chosen) return `${prefix} ${message} ${theme.style.answer(chosen.name)}`;
  const legend = [...choices.map((c) => (c.key === config.default ? c.key.toUpperCase() : c.key)), HELP].join(' ');
  const lines = [
    ...(expanded ? choices.map((c) => `  ${c.key}) ${c.name}${c.key === config.default ? ' (Enter)' : ''}`) : []),
    ...(expanded ? [`  ${HELP}) hide this list`] : []),
    ...(hint ? [theme.style.error(hint)] : []),
  ];
  return [`${prefix} ${message} ${theme.style.defaultAnswer(legend)}`, lines.length ? lines.join('\n') : undefined];
});

/** Asks for one key; resolves with the value of the chosen key as soon as it is pressed. */
export const keyPrompt: KeyPrompt = <Value>(config: KeyPromptConfig<Value>, context?: KeyPromptContext) =>
  prompt(config as KeyPromptConfig<unknown>, context) as Promise<Value>;
